// Shared set-up for delivery and scheduler tests: a real LMDB store in a temp dir, an account,
// webhooks pointing at real receivers, and publishing through the store as the domain layer does.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../../src/config/config";
import { newId } from "../../src/domain/ids";
import { generateSecret } from "../../src/domain/webhook-secret";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import type { DeliveryRecord, EventRecord, WebhookRecord } from "../../src/storage/records";
import type { Lease, PublishOptions, Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: "127.0.0.1",
    dataDir: "",
    databaseUrl: undefined,
    databasePoolMax: 10,
    leaseMarginMs: 1_000,
    replicaId: "test-replica",
    adminKey: undefined,
    retrySchedule: [0, 50, 100],
    timeoutMs: 2_000,
    concurrency: 16,
    webhookConcurrency: 4,
    retentionMs: 30 * 86_400_000,
    bodyBytesMax: 256 * 1024,
    allowPrivateTargets: true,
    logLevel: "error",
    retryAfterMsMax: 60_000,
    shutdownGraceMs: 1_000,
    webhooksPerAccountMax: 100,
    deliveriesPerPublishMax: 10_000,
    dataDepthMax: 32,
    accountConcurrency: 16,
    disableAfterMs: 5 * 86_400_000,
    metricsWebhooksMax: 0,
    corsOrigins: undefined,
    publicUrl: undefined,
    portalFrameAncestors: undefined,
    sessionTtlMs: 12 * 3_600_000,
    sessionIdleMs: 3_600_000,
    ...overrides,
  };
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "inbox-delivery-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function openStore(dataDir: string): Promise<Store> {
  return openLmdbStore({ dataDir, logger: silentLogger });
}

/** An LMDB store in a temp dir; `cleanups` closes the store, then removes the dir. */
export async function tempStore(cleanups: {
  push(step: () => Promise<void> | void): void;
}): Promise<{ dir: ReturnType<typeof tempDir>; store: Store }> {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const store = await openStore(dir.path);
  cleanups.push(() => store.close());
  return { dir, store };
}

export async function createAccount(store: Store): Promise<string> {
  const id = newId("acct");
  const now = Date.now();
  await store.accounts.create(
    { id, name: "test", created_at: now },
    {
      id: newId("key"),
      account_id: id,
      hash: crypto.randomUUID(),
      prefix: "ik_test",
      created_at: now,
      revoked_at: null,
    },
  );
  return id;
}

export async function createWebhook(store: Store, accountId: string, url: string): Promise<WebhookRecord> {
  const now = Date.now();
  const webhook: WebhookRecord = {
    id: newId("wh"),
    account_id: accountId,
    url,
    events: ["*"],
    description: null,
    enabled: true,
    secret: generateSecret(),
    created_at: now,
    updated_at: now,
  };
  await store.webhooks.create(webhook);
  return webhook;
}

/** Sets the webhook's `rate_limit` as the API stores it; answers the record as stored. */
export async function setRateLimit(
  store: Store,
  webhook: WebhookRecord,
  rate: number | null,
): Promise<WebhookRecord> {
  const limited: WebhookRecord = { ...webhook, rate_limit: rate, updated_at: Date.now() };
  await store.webhooks.update(limited);
  return limited;
}

/**
 * `n` events for one webhook, written straight to the store in batches of 1,000, all due already
 * (in due order: event `i` carries `data: { i }`).
 */
export async function backlog(
  store: Store,
  accountId: string,
  webhook: WebhookRecord,
  n: number,
): Promise<void> {
  const now = Date.now();
  const items = Array.from({ length: n }, (_, i) => {
    const event: EventRecord = {
      id: newId("evt"),
      account_id: accountId,
      type: "message.delivered",
      created_at: now,
      data: { i },
    };
    const delivery: DeliveryRecord = {
      id: newId("dlv"),
      account_id: accountId,
      event_id: event.id,
      event_type: event.type,
      webhook_id: webhook.id,
      status: "pending",
      attempts: 0,
      next_attempt_at: now - n + i,
      created_at: now,
      updated_at: now,
      last_attempt_at: null,
      last_status_code: null,
      last_error: null,
    };
    return { event, deliveries: [delivery] };
  });
  for (let i = 0; i < n; i += 1_000) await store.events.publish(items.slice(i, i + 1_000));
  await store.flushed();
}

/** The delivery's status as stored now. */
export async function statusOf(store: Store, deliveryId: string): Promise<string | undefined> {
  return (await store.deliveries.getById(deliveryId))?.status;
}

/** Whether every one of the deliveries has succeeded. */
export async function allSucceeded(store: Store, ids: string[]): Promise<boolean> {
  return (await Promise.all(ids.map((id) => statusOf(store, id)))).every((s) => s === "succeeded");
}

/**
 * Publishes one event to the given webhooks, each delivery due at `due` (default now); leases its
 * deliveries due now only when asked (`lease`), as a publish through the API does.
 */
export async function publish(
  store: Store,
  accountId: string,
  webhooks: WebhookRecord[],
  opts: { due?: number; data?: unknown; type?: string; lease?: PublishOptions["lease"] } = {},
): Promise<{ event: EventRecord; deliveries: DeliveryRecord[]; leases: Lease[] }> {
  const now = Date.now();
  const due = opts.due ?? now;
  const event: EventRecord = {
    id: newId("evt"),
    account_id: accountId,
    type: opts.type ?? "message.delivered",
    created_at: now,
    data: opts.data ?? { message_id: "msg_1234567890", to: "+15551234567" },
  };
  const deliveries: DeliveryRecord[] = webhooks.map((w) => ({
    id: newId("dlv"),
    account_id: accountId,
    event_id: event.id,
    event_type: event.type,
    webhook_id: w.id,
    status: "pending",
    attempts: 0,
    next_attempt_at: due,
    created_at: now,
    updated_at: now,
    last_attempt_at: null,
    last_status_code: null,
    last_error: null,
  }));
  const [result] = await store.events.publish(
    [{ event, deliveries }],
    opts.lease ? { lease: opts.lease } : undefined,
  );
  if (!result?.created) throw new Error("publish wrote nothing");
  return { event, deliveries, leases: result.leases };
}

/** Polls `check` until it answers a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}
