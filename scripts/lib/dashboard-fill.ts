// Fills a store with a month of history for the dashboard's page-cost measure, fast, through the store
// API (no HTTP, no engine): events evenly over the 30 days before `end`, each with one delivery per
// subscribed webhook. Older events are stored finished (about 2% failed, 0.5% cancelled, with the
// counters an attempt leaves); the last day's go through the delivery path's own writes (published with
// a lease, then recordAttempt), so that the attempt logs, the hourly stats and each event's attempts
// are there for the pages that show the last day. Deterministic (seeded).

import { newId } from "../../src/domain/ids";
import type { AttemptRecord, DeliveryRecord, DeliveryStatus, EventRecord } from "../../src/storage/records";
import type { Lease, PublishItem, Store } from "../../src/storage/store";

export const DAY_MS = 86_400_000;
const BATCH = 1_000;
const FILL_OWNER = "page-cost-fill";

const TYPES: Array<[string, number]> = [
  ["message.delivered", 0.5],
  ["message.read", 0.35],
  ["message.failed", 0.13],
  ["message.action", 0.02],
];

/** An account to fill: its webhooks, and the types each takes ("*" for every one). */
export interface FillTenant {
  account: string;
  hooks: Array<{ id: string; types: string[] | "*" }>;
}

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pickType(r: number): string {
  let acc = 0;
  for (const [type, share] of TYPES) {
    acc += share;
    if (r < acc) return type;
  }
  return "message.delivered";
}

/** Data that fits the built-in catalog's schema of each type. */
function dataOf(type: string, at: number, n: number): Record<string, unknown> {
  const time = new Date(at).toISOString().replace(/\.\d+Z$/, "Z");
  const base = { message_id: `msg_${n}`, to: "+15551234567" };
  if (type === "message.read") return { ...base, read_at: time, device_id: "dev_fill" };
  if (type === "message.failed") {
    return {
      ...base,
      error_code: "recipient_unreachable",
      error_message: "Recipient unreachable",
      failed_at: time,
    };
  }
  if (type === "message.action") {
    return { ...base, action: "confirm", action_data: { button_id: "btn_confirm" }, clicked_at: time };
  }
  return { ...base, delivered_at: time, device_id: "dev_fill" };
}

function finishedStatus(r: number): DeliveryStatus {
  if (r < 0.02) return "failed";
  if (r < 0.025) return "cancelled";
  return "succeeded";
}

/** A delivery of `event` to `webhookId`: finished as `status`, or pending and due at its creation. */
function deliveryOf(event: EventRecord, webhookId: string, status: DeliveryStatus): DeliveryRecord {
  const at = event.created_at;
  const done = status !== "pending";
  return {
    id: newId("dlv", at),
    account_id: event.account_id,
    event_id: event.id,
    event_type: event.type,
    webhook_id: webhookId,
    status,
    attempts: done ? (status === "failed" ? 6 : 1) : 0,
    next_attempt_at: done ? null : at,
    created_at: at,
    updated_at: at,
    last_attempt_at: done ? at : null,
    last_status_code: status === "succeeded" ? 200 : status === "failed" ? 503 : null,
    last_error: status === "failed" ? "HTTP 503" : null,
  };
}

function itemOf(t: FillTenant, at: number, n: number, r: () => number, live: boolean): PublishItem {
  const type = pickType(r());
  const event: EventRecord = {
    id: newId("evt", at),
    account_id: t.account,
    type,
    created_at: at,
    data: dataOf(type, at, n),
  };
  const deliveries = t.hooks
    .filter((h) => h.types === "*" || h.types.includes(type))
    .map((h) => deliveryOf(event, h.id, live ? "pending" : finishedStatus(r())));
  return { event, deliveries, generatedId: true };
}

/** The one attempt each leased delivery gets: 2% answered 503 (then failed for good), the rest 200. */
async function attemptAll(store: Store, leases: Lease[], r: () => number): Promise<void> {
  await Promise.all(
    leases.map((lease) => {
      const d = lease.delivery;
      const failed = r() < 0.02;
      const attempt: AttemptRecord = {
        id: newId("att", d.created_at),
        account_id: d.account_id,
        webhook_id: d.webhook_id,
        delivery_id: d.id,
        event_id: d.event_id,
        event_type: d.event_type,
        attempt: 1,
        started_at: d.created_at + 5,
        duration_ms: 20 + Math.floor(r() * 200),
        outcome: failed ? "failed" : "succeeded",
        status_code: failed ? 503 : 200,
        error_class: failed ? "http_status" : null,
        error_message: failed ? "HTTP 503" : null,
        response_body: failed ? "Service Unavailable" : "OK",
        test: false,
      };
      const update = failed ? ({ status: "failed" } as const) : ({ status: "succeeded" } as const);
      return store.deliveries.recordAttempt(attempt, update, { delivery_id: d.id, token: lease.token });
    }),
  );
}

/**
 * Publishes `events` events for `t`, evenly over the 30 days before `end`; those of the last day are
 * attempted once through the delivery path's writes. Answers the deliveries written.
 */
export async function fillTenant(
  store: Store,
  t: FillTenant,
  events: number,
  end: number,
  seed: number,
): Promise<number> {
  const r = random(seed);
  const start = end - 30 * DAY_MS;
  const step = (end - start) / events;
  const at = (i: number) => Math.floor(start + i * step);
  // Events from this index on are of the last day: attempted through the delivery path's writes.
  const liveFrom = Math.min(events, Math.max(0, Math.ceil((end - DAY_MS - start) / step)));
  let written = 0;
  for (let first = 0; first < events; ) {
    const live = first >= liveFrom;
    const stop = Math.min(first + BATCH, live ? events : liveFrom);
    const items: PublishItem[] = [];
    for (let i = first; i < stop; i++) items.push(itemOf(t, at(i), i, r, live));
    const lease = live ? { owner: FILL_OWNER, leaseMs: 3_600_000, max: 1_000_000 } : undefined;
    const results = await store.events.publish(items, lease ? { lease } : undefined);
    if (live)
      await attemptAll(
        store,
        results.flatMap((result) => result.leases),
        r,
      );
    written += items.reduce((n, item) => n + item.deliveries.length, 0);
    first = stop;
  }
  return written;
}
