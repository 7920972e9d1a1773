// `bun run scripts/rate-limit-backlog.ts [deliveries=10000] [seconds=20] [rate=1|none] [lmdb|postgres]`:
// what a backlog behind a webhook's rate limit costs. Writes the deliveries (all due already) to a
// fresh LMDB store (or a private embedded PostgreSQL cluster, durable settings, whose processes'
// CPU is printed too: pg_cpu_ms), starts the delivery engine with production scheduler pacing and lease terms (10 s
// timeout, 10 s margin) against a local receiver, lets it settle for 2 s, then prints for the next
// `seconds`: the process's CPU time and share of one core, the attempts the receiver got, the most
// leases held (sampled every 5 ms) and the store calls made (leases taken, renewals, releases).
// `none` runs the same with no limit; 0 deliveries measures the idle engine (and the sampler).
import { openPostgresStore } from "../src/storage/postgres/pg-store";
import type { Store } from "../src/storage/store";
import {
  backlog,
  createAccount,
  createWebhook,
  engineFor,
  setRateLimit,
  tempDir,
  tempStore,
  testConfig,
} from "../test/delivery/fixtures";
import { startReceiver } from "../test/support/receiver";
import { silentLogger } from "../test/support/silent-logger";
import { readTreeCpuSeconds } from "./bench-lib/proc-stats";
import { startPostgres } from "./lib/embedded-postgres";

const n = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 20);
const rate = process.argv[4] === "none" ? null : Number(process.argv[4] ?? 1);
const onPostgres = process.argv[5] === "postgres";
const cleanups: Array<() => Promise<void> | void> = [];

/** The store, and the PostgreSQL postmaster's pid when on PostgreSQL. */
async function openStore(): Promise<{ store: Store; dataDir: string; pgPid?: number }> {
  if (!onPostgres) {
    const { store, dir } = await tempStore(cleanups);
    return { store, dataDir: dir.path };
  }
  const dir = tempDir();
  cleanups.push(dir.remove);
  const cluster = await startPostgres({ durable: true });
  cleanups.push(() => cluster.stop());
  const store = await openPostgresStore({
    url: cluster.url,
    schema: "rate_limit_backlog",
    logger: silentLogger,
    replicaId: "rate-limit-backlog",
  });
  cleanups.push(() => store.close());
  return { store, dataDir: dir.path, pgPid: cluster.pid };
}

const { store, dataDir, pgPid } = await openStore();
const pgCpuMs = () => (pgPid === undefined ? 0 : (readTreeCpuSeconds(pgPid) ?? 0) * 1_000);
const config = testConfig({ dataDir, timeoutMs: 10_000, leaseMarginMs: 10_000 });
const receiver = startReceiver();
const account = await createAccount(store);
const webhook = await createWebhook(store, account, receiver.url);
await setRateLimit(store, webhook, rate);
await backlog(store, account, webhook, n);
const counts = { leased: 0, renewed: 0, released: 0, leaseCalls: 0 };
const work = store.work;
const lease = work.lease.bind(work),
  renew = work.renew.bind(work),
  release = work.release.bind(work);
work.lease = async (r) => {
  counts.leaseCalls++;
  const out = await lease(r);
  counts.leased += out.length;
  return out;
};
work.renew = (o, ref, ms) => {
  counts.renewed++;
  return renew(o, ref, ms);
};
work.release = (o, refs) => {
  counts.released += refs.length;
  return release(o, refs);
};
// Production pacing (the defaults), not the tests' fast one.
const { engine } = engineFor(store, config, { scheduler: {} });
engine.start();
await Bun.sleep(2_000); // the first refill and the lane settle
const startCpu = process.cpuUsage();
const startPgMs = pgCpuMs();
const startAt = performance.now();
const startReq = receiver.requests.length;
const startCounts = { ...counts };
let maxHeld = 0;
const sampler = setInterval(() => {
  maxHeld = Math.max(maxHeld, engine.leasesHeld());
}, 5);
await Bun.sleep(seconds * 1_000);
clearInterval(sampler);
const cpu = process.cpuUsage(startCpu);
const wallMs = performance.now() - startAt;
const cpuMs = (cpu.user + cpu.system) / 1_000;
const pgMs = pgCpuMs() - startPgMs;
console.log(
  JSON.stringify({
    n,
    rate,
    seconds,
    cpu_ms: Math.round(cpuMs),
    cpu_pct: +((100 * cpuMs) / wallMs).toFixed(2),
    ...(onPostgres ? { pg_cpu_ms: Math.round(pgMs), pg_cpu_pct: +((100 * pgMs) / wallMs).toFixed(2) } : {}),
    requests: receiver.requests.length - startReq,
    max_leases_held: maxHeld,
    store_calls: Object.fromEntries(
      Object.entries(counts).map(([k, v]) => [k, v - (startCounts as Record<string, number>)[k]!]),
    ),
  }),
);
await engine.stop(0);
await receiver.stop();
for (const c of cleanups.reverse()) await c();
