// Rate limits per webhook through the engine with real receivers on 127.0.0.1, on both stores:
// spacing, another webhook unaffected, Retry-After on top, a change of the limit, parked
// deliveries given back at shutdown; over LMDB, a large backlog behind 1/s holding few leases at
// near idle CPU.

import { beforeEach, describe, expect, test } from "bun:test";
import type { Store } from "../../src/storage/store";
import { cleanupAfterEach } from "../support/cleanups";
import { type Receiver, startReceiver } from "../support/receiver";
import {
  backlog,
  createAccount,
  createWebhook,
  engineFor,
  publishLeased,
  setRateLimit,
  testConfig,
  waitUntil,
} from "./fixtures";
import { STORE_KINDS, type StoreKind, storeKinds } from "./store-kinds";

const cleanups = cleanupAfterEach();
const stores = storeKinds();
let kind: StoreKind = "lmdb";

async function setup(overrides: Parameters<typeof testConfig>[0] = {}, scheduler = {}) {
  const { store, dir } = await stores.openTemp(kind, cleanups);
  const config = testConfig({ dataDir: dir.path, ...overrides });
  const { engine } = engineFor(store, config, Object.keys(scheduler).length ? { scheduler } : {});
  cleanups.push(() => engine.stop(0));
  const account = await createAccount(store);
  return { store, config, engine, account };
}

function receiver(...args: Parameters<typeof startReceiver>): Receiver {
  const r = startReceiver(...args);
  cleanups.push(() => r.stop());
  return r;
}

/** A webhook with `rate_limit` set, as the API stores it. */
async function limitedWebhook(store: Store, account: string, url: string, rate: number | null) {
  return setRateLimit(store, await createWebhook(store, account, url), rate);
}

/** Gaps between consecutive arrivals (ms). */
function gaps(r: Receiver): number[] {
  return r.requests.slice(1).map((req, i) => req.at - (r.requests[i] as { at: number }).at);
}

describe.each(STORE_KINDS)("rate limit per webhook (%s)", (storeKind) => {
  beforeEach(() => {
    kind = storeKind;
  });

  test("20/s: 41 deliveries arrive on a 50 ms schedule; an unlimited webhook of the same account keeps its pace", async () => {
    const { store, engine, account } = await setup({ webhookConcurrency: 4, concurrency: 16 });
    const limited = receiver();
    const free = receiver();
    const slow = await limitedWebhook(store, account, limited.url, 20);
    const fast = await createWebhook(store, account, free.url);
    engine.start();
    const t0 = Date.now();
    for (let i = 0; i < 41; i++) await publishLeased(store, engine, account, [slow, fast], { data: { i } });
    await free.waitFor(41, 5_000);
    const freeDoneMs = Date.now() - t0;
    await limited.waitFor(41, 10_000);
    const span = (limited.requests[40]?.at ?? 0) - (limited.requests[0]?.at ?? 0);
    // 40 intervals of 50 ms; arrivals may bunch by the receiver's own jitter, never by the engine.
    expect(span).toBeGreaterThanOrEqual(40 * 50 - 10);
    expect(span).toBeLessThan(40 * 50 + 1_500);
    // No arrival ahead of the schedule by more than a request's jitter (30 ms); gaps centre on 50 ms.
    const t1 = limited.requests[0]?.at ?? 0;
    limited.requests.forEach((req, i) => {
      expect(req.at - t1).toBeGreaterThanOrEqual(i * 50 - 30);
    });
    const sorted = gaps(limited).sort((x, y) => x - y);
    expect(sorted[20]).toBeGreaterThanOrEqual(48);
    // The unlimited webhook was not held behind the limited one: done before the limited one's half.
    expect(freeDoneMs).toBeLessThan(1_000);
    expect(new Set(limited.requests.map((r) => r.headers.get("webhook-id"))).size).toBe(41);
  }, 20_000);

  test("a receiver's Retry-After still applies on top of the limit", async () => {
    const { store, engine, account } = await setup({ retrySchedule: [0, 10, 10] });
    // The first request of the first event answers 503 Retry-After: 1; every other one succeeds.
    const r = receiver((_req, index) =>
      index === 0
        ? new Response("busy", { status: 503, headers: { "retry-after": "1" } })
        : new Response("ok"),
    );
    const webhook = await limitedWebhook(store, account, r.url, 10);
    engine.start();
    for (let i = 0; i < 3; i++) await publishLeased(store, engine, account, [webhook], { data: { i } });
    await r.waitFor(4, 5_000);
    const first = r.requests[0]?.headers.get("webhook-id");
    const again = r.requests.filter((q) => q.headers.get("webhook-id") === first);
    expect(again).toHaveLength(2);
    expect((again[1]?.at ?? 0) - (again[0]?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
    // The other two went on at the limit's pace meanwhile, not after the retry.
    expect(r.requests.slice(1, 3).map((q) => q.headers.get("webhook-id"))).not.toContain(first);
    for (const gap of gaps(r)) expect(gap).toBeGreaterThanOrEqual(70);
  }, 15_000);

  test("a change of the limit applies to the attempts not yet started", async () => {
    const { store, engine, account } = await setup();
    const r = receiver();
    const webhook = await limitedWebhook(store, account, r.url, 2);
    engine.start();
    for (let i = 0; i < 30; i++) await publishLeased(store, engine, account, [webhook], { data: { i } });
    await r.waitFor(3, 5_000);
    // Raised: the other 27 follow within about a second, not 13 s.
    await store.webhooks.update({ ...webhook, rate_limit: 100, updated_at: Date.now() });
    const raisedAt = Date.now();
    await r.waitFor(30, 4_000);
    expect(Date.now() - raisedAt).toBeLessThan(2_500);
    // Lowered to 1/s: the next ones are a second apart again.
    await store.webhooks.update({ ...webhook, rate_limit: 1, updated_at: Date.now() });
    for (let i = 0; i < 3; i++) await publishLeased(store, engine, account, [webhook], { data: { i } });
    await r.waitFor(33, 5_000);
    const late = gaps(r).slice(-2);
    for (const gap of late) expect(gap).toBeGreaterThanOrEqual(930);
    // Removed: no limit at all.
    await store.webhooks.update({ ...webhook, rate_limit: null, updated_at: Date.now() });
    await Bun.sleep(1_000);
    const before = r.requests.length;
    const t = Date.now();
    for (let i = 0; i < 20; i++) await publishLeased(store, engine, account, [webhook], { data: { i } });
    await r.waitFor(before + 20, 3_000);
    expect(Date.now() - t).toBeLessThan(1_000);
  }, 20_000);

  test("a backlog longer than its lane keeps the limit's pace: parked deliveries are re-read as their parks end", async () => {
    // A lane holds half a lease (1.5 s here, 15 attempts at 10/s); the scheduler's own periodic
    // re-read is 10 s away (the default): the parked ones must come back by themselves.
    const { store, engine, account } = await setup({}, { refillMs: 1_000 });
    const r = receiver();
    const webhook = await limitedWebhook(store, account, r.url, 10);
    await backlog(store, account, webhook, 200);
    engine.start();
    await r.waitFor(1, 5_000);
    const t0 = Date.now();
    await Bun.sleep(5_000);
    const sent = r.requests.filter((q) => q.at >= t0 && q.at < t0 + 5_000).length;
    expect(sent).toBeGreaterThanOrEqual(45);
    expect(sent).toBeLessThanOrEqual(51);
    // In due order: the events' data.i ascend.
    const order = r.requests.map((q) => (JSON.parse(q.body) as { data: { i: number } }).data.i);
    expect(order).toEqual([...order].sort((x, y) => x - y));
  }, 20_000);

  test("shutdown gives the parked deliveries back: another replica takes them at once", async () => {
    const { store, engine, account } = await setup();
    const r = receiver();
    const webhook = await limitedWebhook(store, account, r.url, 1);
    await backlog(store, account, webhook, 100);
    engine.start();
    await r.waitFor(2, 5_000);
    await engine.stop(1_000);
    const sent = r.requests.length;
    const leases = await store.work.lease({
      owner: "another-replica",
      until: Date.now() + 3_600_000,
      limit: 1_000,
      leaseMs: 10_000,
    });
    expect(leases).toHaveLength(100 - sent);
  }, 15_000);

  test.if(storeKind === "lmdb")(
    "10,000 deliveries behind 1/s: few leases held, near idle CPU, one attempt a second",
    async () => {
      // Production scheduler pacing (the defaults) and lease terms: the backlog waits in the store.
      const { store, engine, account } = await setup(
        { timeoutMs: 10_000, leaseMarginMs: 10_000 },
        { refillMs: 1_000 },
      );
      const r = receiver();
      const webhook = await limitedWebhook(store, account, r.url, 1);
      const other = receiver();
      const free = await createWebhook(store, account, other.url);
      await backlog(store, account, webhook, 10_000);
      engine.start();
      await waitUntil("the first attempts", () => r.requests.length >= 2, 5_000);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const requests0 = r.requests.length;
      let heldMax = 0;
      const sampler = setInterval(() => {
        heldMax = Math.max(heldMax, engine.leasesHeld());
      }, 20);
      await Bun.sleep(5_000);
      clearInterval(sampler);
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - t0;
      const cpuShare = (cpu.user + cpu.system) / 1_000 / wallMs;
      // Half a lease (10 s) of attempts at 1/s waits in memory, the rest in the store.
      expect(heldMax).toBeLessThanOrEqual(12);
      // Generous: the test runner, the receiver and the sampler share the process (measured: ~2%).
      expect(cpuShare).toBeLessThan(0.1);
      const sent = r.requests.length - requests0;
      expect(sent).toBeGreaterThanOrEqual(4);
      expect(sent).toBeLessThanOrEqual(6);
      // Another webhook of the same account is not queued behind the backlog.
      const t = Date.now();
      await publishLeased(store, engine, account, [free]);
      await other.waitFor(1, 1_000);
      expect(Date.now() - t).toBeLessThan(500);
    },
    40_000,
  );
});
