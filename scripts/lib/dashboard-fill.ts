// Fills a store with a month of history for the dashboard's page-cost measure, fast, through the store
// API (no HTTP, no engine): events evenly over the 30 days before `end`, each with one delivery per
// subscribed webhook. Older events are stored finished (about 2% failed, 0.5% cancelled, with the
// counters an attempt leaves); the last day's go through the delivery path's own writes (published with
// a lease, then recordAttempt), so that the attempt logs, the hourly stats and each event's attempts
// are there for the pages that show the last day. Deterministic (seeded).

import { newId } from "../../src/domain/ids";
import type { AttemptRecord, EventRecord } from "../../src/storage/records";
import type { Lease, PublishItem, Store } from "../../src/storage/store";
import { type DeliveryTerms, deliveryOf, finishedStatus, pickType, random } from "./fill-records";

export const DAY_MS = 86_400_000;
const BATCH = 1_000;
const FILL_OWNER = "page-cost-fill";

/** An account to fill: its webhooks, and the types each takes ("*" for every one). */
export interface FillTenant {
  account: string;
  hooks: Array<{ id: string; types: string[] | "*" }>;
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

/** Older failed deliveries are stored with six attempts made; the last day's pending ones are due at once. */
const TERMS: DeliveryTerms = { failedAttempts: 6, pendingDueAt: (at) => at };

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
    .map((h) => deliveryOf(event, h.id, live ? "pending" : finishedStatus(r()), TERMS));
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
