// The engine's real attempts show up in the stats, on both stores: a receiver that fails once and
// then accepts gives one failed and one successful attempt in the webhook's rollup and health, the
// stats service sums them, and inbox_webhook_attempts_total counts them when it is on.

import { beforeEach, describe, expect, test } from "bun:test";
import { StatsService } from "../../src/domain/stats-service";
import { cleanupAfterEach } from "../support/cleanups";
import { type Receiver, startReceiver } from "../support/receiver";
import {
  createAccount,
  createWebhook,
  engineFor,
  publishLeased,
  statusOf,
  testConfig,
  waitUntil,
} from "./fixtures";
import { STORE_KINDS, type StoreKind, storeKinds } from "./store-kinds";

const cleanups = cleanupAfterEach();
const stores = storeKinds();
let kind: StoreKind = "lmdb";

function receiver(...args: Parameters<typeof startReceiver>): Receiver {
  const r = startReceiver(...args);
  cleanups.push(() => r.stop());
  return r;
}

describe.each(STORE_KINDS)("webhook stats from real attempts (%s)", (storeKind) => {
  beforeEach(() => {
    kind = storeKind;
  });

  test("a failure then a success: counted in the rollup, the health and the per-webhook counter", async () => {
    const { store, dir } = await stores.openTemp(kind, cleanups);
    const config = testConfig({ dataDir: dir.path, retrySchedule: [0, 50], metricsWebhooksMax: 5 });
    const { engine, metrics } = engineFor(store, config);
    cleanups.push(() => engine.stop(0));
    const account = await createAccount(store);
    let calls = 0;
    const r = receiver(() => (calls++ === 0 ? new Response("down", { status: 503 }) : new Response("ok")));
    const webhook = await createWebhook(store, account, `${r.url}/in`);
    engine.start();
    const startedAt = Date.now();
    const { deliveries } = await publishLeased(store, engine, account, [webhook], { data: { n: 1 } });
    const id = deliveries[0]?.id as string;
    await waitUntil("success", async () => (await statusOf(store, id)) === "succeeded");

    const stats = await new StatsService({
      store,
      now: Date.now,
      retentionMs: config.retentionMs,
    }).webhookStats(account, webhook.id);
    expect(stats).toMatchObject({ attempts: 2, succeeded: 1, failed: 1, success_rate: 0.5, pending: 0 });
    expect(stats.failing_since).toBeNull();
    expect(stats.last_failure_at).toBeGreaterThanOrEqual(startedAt);
    expect(stats.last_success_at).toBeGreaterThanOrEqual(stats.last_failure_at as number);
    expect(stats.latency_ms.p99).not.toBeNull();

    const rendered = metrics.render();
    expect(rendered).toContain(`inbox_webhook_attempts_total{outcome="failed",webhook_id="${webhook.id}"} 1`);
    expect(rendered).toContain(
      `inbox_webhook_attempts_total{outcome="succeeded",webhook_id="${webhook.id}"} 1`,
    );
  });
});
