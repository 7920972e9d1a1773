// Record builders for the storage tests: valid records with ids from src/domain/ids.ts, overridable
// field by field, plus a small "tenant" helper that creates an account with a webhook.

import { newId } from "../../src/domain/ids";
import type {
  AccountRecord,
  ApiKeyRecord,
  AttemptRecord,
  DeliveryRecord,
  DueEntry,
  EventRecord,
  Page,
  WebhookRecord,
} from "../../src/storage/records";
import type {
  AttemptOutcomeUpdate,
  Lease,
  LeaseRef,
  LeaseRequest,
  PublishItem,
  RecordOptions,
  RecordResult,
  Store,
} from "../../src/storage/store";

export const T0 = 1_736_936_703_000; // 2025-01-15T10:25:03Z
/** Later than any due time in the tests. */
export const FAR = Number.MAX_SAFE_INTEGER;
/** The replica the tests lease as, unless a test needs several. */
export const OWNER = "replica-a";
/** A second replica, for tests of what one replica's lease keeps from another. */
export const OTHER = "replica-b";
/** Long enough that no test's lease ends unless the test moves the clock past it. */
export const LEASE_MS = 60_000;

let serial = 0;

export function account(over: Partial<AccountRecord> = {}): AccountRecord {
  return { id: newId("acct"), name: `account ${++serial}`, created_at: T0, ...over };
}

export function apiKey(accountId: string, over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const n = ++serial;
  return {
    id: newId("key"),
    account_id: accountId,
    hash: `${n.toString(16).padStart(8, "0")}${"ab".repeat(28)}`,
    prefix: `ik_live_${n}`,
    created_at: T0,
    revoked_at: null,
    name: null,
    scopes: ["publish", "manage"],
    expires_at: null,
    last_used_at: null,
    ...over,
  };
}

export function webhook(accountId: string, over: Partial<WebhookRecord> = {}): WebhookRecord {
  return {
    id: newId("wh"),
    account_id: accountId,
    url: `https://example.com/hooks/${++serial}`,
    events: ["*"],
    description: null,
    enabled: true,
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    created_at: T0,
    updated_at: T0,
    ...over,
  };
}

export function event(accountId: string, over: Partial<EventRecord> = {}): EventRecord {
  return {
    id: newId("evt"),
    account_id: accountId,
    type: "message.delivered",
    created_at: T0,
    data: { message_id: `msg_${++serial}`, channel: "whatsapp" },
    ...over,
  };
}

export function delivery(
  ev: EventRecord,
  webhookId: string,
  over: Partial<DeliveryRecord> = {},
): DeliveryRecord {
  return {
    id: newId("dlv"),
    account_id: ev.account_id,
    event_id: ev.id,
    event_type: ev.type,
    webhook_id: webhookId,
    status: "pending",
    attempts: 0,
    next_attempt_at: ev.created_at,
    created_at: ev.created_at,
    updated_at: ev.created_at,
    last_attempt_at: null,
    last_status_code: null,
    last_error: null,
    ...over,
  };
}

export function attempt(d: DeliveryRecord, over: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    id: newId("att"),
    account_id: d.account_id,
    webhook_id: d.webhook_id,
    delivery_id: d.id,
    event_id: d.event_id,
    event_type: d.event_type,
    attempt: d.attempts + 1,
    started_at: T0 + 1_000,
    duration_ms: 120,
    outcome: "failed",
    status_code: 503,
    error_class: "http_status",
    error_message: "503 Service Unavailable",
    response_body: "try later",
    test: false,
    ...over,
  };
}

/** An event fanned out to the given webhooks, as the domain would publish it. */
export function item(ev: EventRecord, webhookIds: string[], due = ev.created_at): PublishItem {
  return { event: ev, deliveries: webhookIds.map((id) => delivery(ev, id, { next_attempt_at: due })) };
}

export interface Tenant {
  account: AccountRecord;
  key: ApiKeyRecord;
  webhook: WebhookRecord;
}

/** Creates an account with one key and one enabled webhook subscribed to everything. */
export async function tenant(store: Store): Promise<Tenant> {
  const acct = account();
  const key = apiKey(acct.id);
  await store.accounts.create(acct, key);
  const wh = webhook(acct.id);
  await store.webhooks.create(wh);
  return { account: acct, key, webhook: wh };
}

/** Publishes one event with one pending delivery to the tenant's webhook; answers the delivery. */
export async function publishOne(store: Store, t: Tenant, over: Partial<EventRecord> = {}, due?: number) {
  const ev = event(t.account.id, over);
  const [result] = await store.events.publish([item(ev, [t.webhook.id], due)]);
  const d = result?.deliveries[0];
  if (!result || !d) throw new Error("publish answered no delivery");
  return { event: result.event, delivery: d };
}

/** Every page of a listing, following cursors; fails the test on a cursor loop. */
export async function allPages<T>(
  fetch: (cursor: string | undefined) => Promise<Page<T>>,
  maxPages = 1000,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await fetch(cursor);
    pages.push(page.data);
    if (page.next_cursor === null) return pages;
    cursor = page.next_cursor;
  }
  throw new Error("listing did not end");
}

export function refOf(lease: Lease): LeaseRef {
  return { delivery_id: lease.delivery.id, token: lease.token };
}

/** A request by OWNER for work due at any time, overridable field by field. */
export const leaseRequest = (over: Partial<LeaseRequest> = {}): LeaseRequest => ({
  owner: OWNER,
  until: FAR,
  limit: 100,
  leaseMs: 1_000,
  ...over,
});

/**
 * Leases one delivery through the public contract: leases everything leasable, keeps the lease of
 * `deliveryId` and releases the others. Fails the test when that delivery could not be leased.
 */
export async function leaseOf(store: Store, deliveryId: string, owner = OWNER): Promise<Lease> {
  const leases = await store.work.lease({ owner, until: FAR, limit: 100_000, leaseMs: LEASE_MS });
  const mine = leases.find((lease) => lease.delivery.id === deliveryId);
  await store.work.release(owner, leases.filter((lease) => lease !== mine).map(refOf));
  if (!mine) throw new Error(`delivery ${deliveryId} could not be leased`);
  return mine;
}

/** Leases the attempt's delivery and records the attempt under that lease, as the engine does. */
export async function record(
  store: Store,
  att: AttemptRecord,
  update: AttemptOutcomeUpdate,
  options?: RecordOptions,
): Promise<RecordResult> {
  const lease = await leaseOf(store, att.delivery_id ?? "");
  return store.deliveries.recordAttempt(att, update, refOf(lease), options);
}

/** Like `record`, answering the delivery it recorded (fails the test on any other outcome). */
export async function recorded(
  store: Store,
  att: AttemptRecord,
  update: AttemptOutcomeUpdate,
): Promise<DeliveryRecord> {
  const result = await record(store, att, update);
  if (result.kind !== "recorded") throw new Error(`attempt not recorded: ${result.kind}`);
  return result.delivery;
}

/**
 * The due-time queue as the contract shows it: every pending delivery under no live lease due
 * before `until`, in due order (then id). Leased and released at once, so it changes nothing a test
 * can see but the lease tokens.
 */
export async function dueEntries(store: Store, until = FAR): Promise<DueEntry[]> {
  const leases = await store.work.lease({ owner: "probe", until, limit: 100_000, leaseMs: LEASE_MS });
  await store.work.release("probe", leases.map(refOf));
  return leases.map((lease) => ({
    delivery_id: lease.delivery.id,
    due: lease.delivery.next_attempt_at ?? 0,
  }));
}
