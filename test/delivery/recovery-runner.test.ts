// The recovery runner's handling of a store that fails (full disk, unreachable database): a failed
// batch is tried again after a pause, and after the last pause the job waits, saved, for the next
// start. Over a real LMDB store whose recover fails as many times as the test says.

import { describe, expect, test } from "bun:test";
import { RECOVERY_JOB_PREFIX, type RecoveryJob } from "../../src/domain/recovery-jobs";
import { RecoveryRunner } from "../../src/domain/recovery-runner";
import { RecoveryService } from "../../src/domain/recovery-service";
import type { Store } from "../../src/storage/store";
import { cleanupAfterEach } from "../support/cleanups";
import { silentLogger } from "../support/silent-logger";
import { createAccount, createWebhook, publish, tempStore } from "./fixtures";

const cleanups = cleanupAfterEach();

/** The store, with recover failing its first `failures` calls. */
function failingRecover(store: Store, failures: number): { store: Store; calls: () => number } {
  let calls = 0;
  const deliveries = {
    ...store.deliveries,
    recover: (...args: Parameters<Store["deliveries"]["recover"]>) => {
      calls++;
      if (calls <= failures) return Promise.reject(new Error("the store is full"));
      return store.deliveries.recover(...args);
    },
  };
  return { store: { ...store, deliveries } as Store, calls: () => calls };
}

/** A webhook with three cancelled deliveries (disabled with them pending, then enabled again). */
async function cancelledThree(store: Store) {
  const accountId = await createAccount(store);
  const webhook = await createWebhook(store, accountId, "https://example.com/hooks");
  const ids: string[] = [];
  for (let i = 0; i < 3; i++)
    ids.push((await publish(store, accountId, [webhook])).deliveries[0]?.id as string);
  await store.webhooks.update({ ...webhook, enabled: false });
  await store.webhooks.update({ ...webhook, enabled: true });
  return { accountId, webhookId: webhook.id, ids };
}

async function run(store: Store, failures: number, pauses: number[]) {
  const t = await cancelledThree(store);
  const wrapped = failingRecover(store, failures);
  const retried: string[] = [];
  const runner = new RecoveryRunner({
    store: wrapped.store,
    delivery: { retried: (id) => retried.push(id) },
    logger: silentLogger,
    now: Date.now,
    retryPausesMs: pauses,
  });
  const started: Promise<void>[] = [];
  const service = new RecoveryService({
    store,
    runner: { start: (job: RecoveryJob) => started.push(runner.start(job)) } as unknown as RecoveryRunner,
    now: Date.now,
  });
  const accepted = await service.recover(t.accountId, t.webhookId, { since: 0 });
  expect(accepted.deliveries).toBe(3);
  await Promise.all(started);
  const statuses = await Promise.all(t.ids.map(async (id) => (await store.deliveries.getById(id))?.status));
  return { statuses, calls: wrapped.calls(), retried, jobs: await store.meta.entries(RECOVERY_JOB_PREFIX) };
}

describe("recovery runner", () => {
  test("a batch that fails is tried again after a pause, and the recovery completes", async () => {
    const { store } = await tempStore(cleanups);
    const result = await run(store, 2, [1, 1, 1]);
    expect(result.calls).toBe(3);
    expect(result.statuses).toEqual(["pending", "pending", "pending"]);
    expect(result.retried).toHaveLength(1);
    expect(result.jobs).toEqual([]);
  });

  test("after the last pause the job stays saved, untouched, for the next start", async () => {
    const { store } = await tempStore(cleanups);
    const result = await run(store, 100, [1, 1]);
    expect(result.calls).toBe(3);
    expect(result.statuses).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(result.jobs).toHaveLength(1);
    expect(JSON.parse(result.jobs[0]?.[1] ?? "{}")).toMatchObject({ after: null, counted: 3, recovered: 0 });
  });

  test("a runner starts a job it is already running only once", async () => {
    const { store } = await tempStore(cleanups);
    const runner = new RecoveryRunner({
      store,
      delivery: { retried: () => {} },
      logger: silentLogger,
      now: Date.now,
    });
    const job = {
      id: "job-1",
      account_id: "acct_x",
      webhook_id: "wh_x",
      window: { since: 0, until: 1 },
      after: null,
      counted: 0,
      recovered: 0,
      created_at: 0,
    };
    const first = runner.start(job);
    expect(runner.start(job)).toBe(first);
    expect(runner.size).toBe(1);
    await first;
    expect(runner.size).toBe(0);
  });
});

/** The store, with recover taking one delivery a batch and the first batch held until released. */
function heldFirstBatch(store: Store) {
  let calls = 0;
  let entered: () => void = () => {};
  let release: () => void = () => {};
  const inFirst = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const deliveries = {
    ...store.deliveries,
    recover: async (...args: Parameters<Store["deliveries"]["recover"]>) => {
      calls++;
      const [accountId, webhookId, window, batch] = args;
      if (calls === 1) {
        entered();
        await released;
      }
      return store.deliveries.recover(accountId, webhookId, window, { ...batch, limit: 1 });
    },
  };
  return { store: { ...store, deliveries } as Store, calls: () => calls, inFirst, release };
}

function runnerOver(store: Store, pauses?: number[]) {
  return new RecoveryRunner({
    store,
    delivery: { retried: () => {} },
    logger: silentLogger,
    now: Date.now,
    retryPausesMs: pauses,
  });
}

async function statusesOf(store: Store, ids: string[]) {
  return Promise.all(ids.map(async (id) => (await store.deliveries.getById(id))?.status));
}

describe("recovery runner at shutdown", () => {
  test("stop lets the batch in progress finish, saves the position, runs no more; the next start resumes", async () => {
    const { store } = await tempStore(cleanups);
    const t = await cancelledThree(store);
    const held = heldFirstBatch(store);
    const runner = runnerOver(held.store);
    const service = new RecoveryService({ store, runner, now: Date.now });
    await service.recover(t.accountId, t.webhookId, { since: 0 });
    await held.inFirst;

    let stopped = false;
    const stopping = runner.stop(60_000).then(() => {
      stopped = true;
    });
    await Bun.sleep(20);
    expect(stopped).toBe(false); // the batch in progress is waited for
    held.release();
    await stopping;
    expect(held.calls()).toBe(1);
    expect(runner.size).toBe(0);
    expect(await statusesOf(store, t.ids)).toEqual(["pending", "cancelled", "cancelled"]);
    const jobs = await store.meta.entries(RECOVERY_JOB_PREFIX);
    expect(jobs).toHaveLength(1);
    expect(JSON.parse(jobs[0]?.[1] ?? "{}")).toMatchObject({ counted: 3, recovered: 1 });
    expect(JSON.parse(jobs[0]?.[1] ?? "{}").after).not.toBeNull();

    // A stopped runner starts nothing; the job waits, saved, for the next start.
    const job = JSON.parse(jobs[0]?.[1] ?? "{}") as RecoveryJob;
    await runner.start(job);
    expect(held.calls()).toBe(1);
    expect(await runner.resumeAll()).toBe(0);
    expect(held.calls()).toBe(1);

    const next = runnerOver(store);
    expect(await next.resumeAll()).toBe(1);
    while (next.size > 0) await Bun.sleep(5);
    expect(await statusesOf(store, t.ids)).toEqual(["pending", "pending", "pending"]);
    expect(await store.meta.entries(RECOVERY_JOB_PREFIX)).toEqual([]);
  });

  test("stop ends a pause before a retried batch at once; the job stays saved", async () => {
    const { store } = await tempStore(cleanups);
    const t = await cancelledThree(store);
    const failing = failingRecover(store, 100);
    const runner = runnerOver(failing.store, [60_000]);
    const service = new RecoveryService({ store, runner, now: Date.now });
    await service.recover(t.accountId, t.webhookId, { since: 0 });
    while (failing.calls() < 1) await Bun.sleep(5);
    const startedAt = Date.now();
    await runner.stop(60_000);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(failing.calls()).toBe(1);
    expect(await store.meta.entries(RECOVERY_JOB_PREFIX)).toHaveLength(1);
    expect(await statusesOf(store, t.ids)).toEqual(["cancelled", "cancelled", "cancelled"]);
  });

  test("stop waits at most its bound for a batch that does not end", async () => {
    const { store } = await tempStore(cleanups);
    const t = await cancelledThree(store);
    const held = heldFirstBatch(store);
    const runner = runnerOver(held.store);
    const service = new RecoveryService({ store, runner, now: Date.now });
    await service.recover(t.accountId, t.webhookId, { since: 0 });
    await held.inFirst;
    const startedAt = Date.now();
    await runner.stop(50);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    // Let the held batch end before the store closes: it saves its position and runs no more.
    held.release();
    while (runner.size > 0) await Bun.sleep(5);
    expect(held.calls()).toBe(1);
    expect(await store.meta.entries(RECOVERY_JOB_PREFIX)).toHaveLength(1);
  });
});
