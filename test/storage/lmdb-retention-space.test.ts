// Retention gives its space back to new writes: with a steady flow of events (each delivered with
// one attempt) and retention removing what is older than a window, the LMDB data file stops growing
// once the window is full, because LMDB reuses the pages that retention freed. The store's clock is
// moved by the test, so the run is many retention windows long in a second.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../../src/domain/ids";
import { lmdbDatabasesOf, openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import type { Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { attempt, event, item, LEASE_MS, OWNER, refOf, T0, tenant } from "./fixtures";

const EVENTS_PER_MINUTE = 400;
const WINDOW_MINUTES = 5;
const MINUTES = 40;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** One minute of traffic at `now`: events published, each delivery's attempt recorded. */
async function minuteOfTraffic(store: Store, accountId: string, webhookId: string, now: number) {
  const items = Array.from({ length: EVENTS_PER_MINUTE }, () =>
    item(event(accountId, { id: newId("evt", now), created_at: now }), [webhookId]),
  );
  const published = await store.events.publish(items, {
    lease: { owner: OWNER, leaseMs: LEASE_MS, max: EVENTS_PER_MINUTE },
  });
  await Promise.all(
    published.map(({ deliveries, leases }) => {
      const [delivery, lease] = [deliveries[0], leases[0]];
      if (!delivery || !lease) throw new Error("the publish leased no delivery");
      const att = attempt(delivery, {
        id: newId("att", now + 5),
        started_at: now + 5,
        outcome: "succeeded",
        status_code: 200,
        error_class: null,
        error_message: null,
        response_body: "ok",
      });
      return store.deliveries.recordAttempt(att, { status: "succeeded" }, refOf(lease));
    }),
  );
}

/** Runs retention to the end of what is older than `before`. */
async function purgeAll(store: Store, before: number): Promise<number> {
  let removed = 0;
  for (;;) {
    const r = await store.purge(before, 10_000);
    const n = r.attempts + r.events + r.deliveries;
    if (n === 0) return removed;
    removed += n;
  }
}

test("the data file stays the same size over a run eight retention windows long", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "inbox-retention-space-"));
  dirs.push(dataDir);
  let now = T0;
  const store = await openLmdbStore({ dataDir, logger: silentLogger, now: () => now });
  const pages: number[] = [];
  try {
    const { account, webhook } = await tenant(store);
    const root = lmdbDatabasesOf(store)?.root;
    if (!root) throw new Error("not an LMDB store");
    for (let minute = 0; minute < MINUTES; minute++) {
      await minuteOfTraffic(store, account.id, webhook.id, now);
      now += 60_000;
      const removed = await purgeAll(store, now - WINDOW_MINUTES * 60_000);
      // Once the window is full, each minute removes a minute's records (event, delivery, attempt).
      if (minute >= WINDOW_MINUTES) expect(removed).toBe(EVENTS_PER_MINUTE * 3);
      await store.flushed();
      pages.push((root.getStats() as { lastPageNumber: number }).lastPageNumber);
    }
    expect(await store.events.list(account.id, { limit: 1 })).toMatchObject({ data: [{}] });
  } finally {
    await store.close();
  }
  // The file grows while the first window fills (this test could tell growth from reuse)...
  const filled = pages[WINDOW_MINUTES + 1] as number;
  expect(filled).toBeGreaterThan(3 * (pages[0] as number));
  // ...and not after it: the last minutes write into the pages retention freed.
  const last = pages[MINUTES - 1] as number;
  expect(last).toBeLessThanOrEqual(Math.ceil(filled * 1.15));
});
