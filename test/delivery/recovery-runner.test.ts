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
