// Micro-benchmark of the LMDB store (not a test: timings vary by machine).
//   bun test/storage/lmdb-store-bench.ts [backlog]
// 1. publishes 20,000 events with one delivery each from 64 concurrent publishers (each one
//    awaiting flushed(), as POST /events does), then records 20,000 successful attempts likewise;
// 2. fills a queue backlog (default 1,000,000 pending deliveries), reopens the store and times
//    the open, figures(), the first page of 1,000 leases and the resident memory.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import type { Lease, Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { attempt, event, FAR, item, refOf, T0, tenant } from "./fixtures";

const mb = (n: number) => `${Math.round(n / 1048576)} MiB`;

async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

async function throughput(store: Store) {
  const t = await tenant(store);
  const n = 20_000;
  const leases: Lease[] = [];
  let start = performance.now();
  await pool(n, 64, async () => {
    const subs = await store.webhooks.subscribers(t.account.id, "message.delivered");
    const ev = event(t.account.id, { created_at: Date.now() });
    // Each publish leases its first attempt, as the delivery engine's publishes do.
    const [result] = await store.events.publish(
      [
        item(
          ev,
          subs.map((w) => w.id),
        ),
      ],
      { lease: { owner: "bench", leaseMs: 600_000, max: 1 } },
    );
    await store.flushed();
    if (result?.leases[0]) leases.push(result.leases[0]);
  });
  let secs = (performance.now() - start) / 1000;
  console.log(
    `publish: ${n} events in ${secs.toFixed(2)} s = ${Math.round(n / secs)}/s (concurrency 64, flushed each)`,
  );
  start = performance.now();
  await pool(n, 64, async (i) => {
    const lease = leases[i] as Lease;
    const att = attempt(lease.delivery, {
      outcome: "succeeded",
      status_code: 200,
      error_class: null,
      error_message: null,
    });
    await store.deliveries.recordAttempt(att, { status: "succeeded" }, refOf(lease));
  });
  secs = (performance.now() - start) / 1000;
  console.log(
    `recordAttempt: ${n} in ${secs.toFixed(2)} s = ${Math.round(n / secs)}/s; pending now ${store.figures().pendingDeliveries}`,
  );
}

async function backlog(dataDir: string, total: number) {
  let store = await openLmdbStore({ dataDir, logger: silentLogger });
  const t = await tenant(store);
  let start = performance.now();
  for (let i = 0; i < total; i += 5000) {
    await store.events.publish(
      Array.from({ length: 5000 }, (_, j) =>
        item(event(t.account.id, { data: { n: i + j } }), [t.webhook.id], T0 + ((i + j) % 7200) * 1000),
      ),
    );
  }
  console.log(`backlog: ${total} pending written in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  await store.close();
  Bun.gc(true);
  const rssBefore = process.memoryUsage().rss;
  start = performance.now();
  store = await openLmdbStore({ dataDir, logger: silentLogger });
  const openMs = performance.now() - start;
  start = performance.now();
  const size = store.figures().pendingDeliveries;
  const page = await store.work.lease({ owner: "bench", until: FAR, limit: 1000, leaseMs: 600_000 });
  const readMs = performance.now() - start;
  console.log(
    `reopen with ${size} queued: open ${openMs.toFixed(1)} ms, figures()+first 1000 leased ${readMs.toFixed(1)} ms, ` +
      `first due ${page[0]?.delivery.next_attempt_at}, rss ${mb(rssBefore)} -> ${mb(process.memoryUsage().rss)}, on disk ${mb(store.figures().sizeBytes)}`,
  );
  await store.close();
}

const backlogSize = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), "inbox-bench-"));
try {
  const store = await openLmdbStore({ dataDir: join(dir, "throughput"), logger: silentLogger });
  await throughput(store);
  await store.close();
  await backlog(join(dir, "backlog"), backlogSize);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
