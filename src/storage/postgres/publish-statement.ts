// The statement that publishes a batch of events in one round trip (./events-repository.ts).
//
// - Events go in with ON CONFLICT DO NOTHING: an insert of a key that another transaction is
//   inserting waits for it, then skips, so one id sent to several replicas at once is created once.
//   Only created events get deliveries (the join with `ev`).
// - Each pending delivery's webhook is read FOR SHARE: a concurrent disable or delete either waits
//   for this publish (and its cancellation then sees these deliveries) or commits first (and the
//   re-check finds the webhook gone or disabled: the delivery is stored cancelled).
// - Several publish calls share the statement (group commit); each delivery row carries its call's
//   lease request. With an owner, the first `lease_max` deliveries of that call (in its order)
//   stored pending and due by the store's clock are leased to the owner for `lease_ms` past their
//   due time in the same statement (token 1), so their first attempt needs no poll.

import type { PublishItem, PublishOptions } from "../store";
import { toDb } from "./pg-text";
import { channelsOrNull, dataText, deliveryParams } from "./rows";
import { writeRowSelect } from "./write-rows";

/**
 * Arrays the publish part binds: 5 event columns, 14 delivery columns, call and lease, then the
 * events' channels (comma-joined text, null for none: a channel never holds a comma, and a text[]
 * a row cannot ride in an array of rows).
 */
export const PUBLISH_ARRAYS = 24;

/** The publish part's CTEs, its arrays bound from parameter $first on (see publishParams). */
export const publishCtes = (s: string, first: number) => {
  const p = (i: number) => `$${first + i}`;
  return `ev AS (
  INSERT INTO ${s}.events (account_id, id, type, created_at, data, channels)
  SELECT a, i, t, c, d, string_to_array(ch, ',')
  FROM unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::int8[], ${p(4)}::text[], ${p(23)}::text[])
    AS e(a, i, t, c, d, ch)
  ON CONFLICT (account_id, id) DO NOTHING
  RETURNING account_id, id),
src AS (
  SELECT * FROM unnest(${p(5)}::text[], ${p(6)}::text[], ${p(7)}::text[], ${p(8)}::text[], ${p(9)}::text[],
      ${p(10)}::int[], ${p(11)}::text[], ${p(12)}::int[], ${p(13)}::int8[], ${p(14)}::int8[], ${p(15)}::int8[],
      ${p(16)}::int8[], ${p(17)}::int[], ${p(18)}::text[], ${p(19)}::int[], ${p(20)}::text[], ${p(21)}::int8[],
      ${p(22)}::int[]) WITH ORDINALITY
    AS d(id, account_id, event_id, event_type, webhook_id, position, status, attempts, next_at, created_at,
         updated_at, last_attempt_at, last_status_code, last_error, call, lease_owner, lease_ms, lease_max, ord)),
live AS (
  SELECT w.id, w.account_id FROM ${s}.webhooks w
  WHERE w.id IN (SELECT webhook_id FROM src WHERE status = 'pending') AND w.enabled
  FOR SHARE),
joined AS (
  SELECT src.*, (src.status = 'pending' AND live.id IS NULL) AS dead,
    (src.lease_owner IS NOT NULL AND src.status = 'pending' AND live.id IS NOT NULL AND src.next_at <= clock.ms)
      AS leasable,
    GREATEST(clock.ms, src.next_at) + src.lease_ms AS lease_end
  FROM src
  JOIN ev ON ev.account_id = src.account_id AND ev.id = src.event_id
  CROSS JOIN clock
  LEFT JOIN live ON live.id = src.webhook_id AND live.account_id = src.account_id),
chosen AS (
  SELECT joined.*, (leasable AND sum(leasable::int) OVER (PARTITION BY call ORDER BY ord) <= lease_max) AS leased
  FROM joined),
dl AS (
  INSERT INTO ${s}.deliveries (id, account_id, event_id, event_type, webhook_id, position, status, attempts,
    next_attempt_at, created_at, updated_at, last_attempt_at, last_status_code, last_error, due_at,
    lease_owner, lease_seq, lease_expires_at)
  SELECT id, account_id, event_id, event_type, webhook_id, position,
    CASE WHEN dead THEN 'cancelled' ELSE status END, attempts,
    CASE WHEN dead THEN NULL ELSE next_at END, created_at, updated_at, last_attempt_at, last_status_code,
    last_error,
    CASE WHEN dead OR status <> 'pending' THEN NULL WHEN leased THEN lease_end ELSE next_at END,
    CASE WHEN leased THEN lease_owner END,
    CASE WHEN leased THEN 1 ELSE 0 END,
    CASE WHEN leased THEN lease_end END
  FROM chosen
  RETURNING id, status, lease_seq, lease_expires_at)`;
};

/**
 * The publish part's rows (WriteRow: 'e' for each created event, 'd' for each stored delivery),
 * `where` added to the first branch (the statement's one-time filter, PLANS_SET).
 */
export const publishRows = (where: string) => `
SELECT ${writeRowSelect("e", { account_id: "ev.account_id", event_id: "ev.id" })} FROM ev WHERE ${where}
UNION ALL
SELECT ${writeRowSelect("d", {
  id: "dl.id",
  status: "dl.status",
  lease_seq: "dl.lease_seq",
  lease_expires_at: "dl.lease_expires_at",
  now: "(SELECT ms FROM clock)",
})} FROM dl`;

/** An item of a publish batch, with its call's index in the batch and that call's lease request. */
export interface BatchItem {
  item: PublishItem;
  call: number;
  lease: PublishOptions["lease"];
}

/** The publish part's PUBLISH_ARRAYS parameters for the items, in publishCtes order. */
export function publishParams(items: BatchItem[]): unknown[][] {
  const ev: unknown[][] = [[], [], [], [], []];
  const dl: unknown[][] = Array.from({ length: PUBLISH_ARRAYS - ev.length - 1 }, () => []);
  const channels: (string | null)[] = [];
  for (const { item, call, lease } of items) {
    const { event, deliveries } = item;
    ev[0]?.push(toDb(event.account_id));
    ev[1]?.push(toDb(event.id));
    ev[2]?.push(toDb(event.type));
    ev[3]?.push(event.created_at);
    ev[4]?.push(dataText(event.data));
    channels.push(channelsOrNull(event.channels)?.join(",") ?? null);
    for (const [position, d] of deliveries.entries()) {
      const values = [
        ...deliveryParams(d, position),
        call,
        lease?.owner ?? null,
        lease?.leaseMs ?? 0,
        lease?.max ?? 0,
      ];
      for (const [i, value] of values.entries()) dl[i]?.push(value);
    }
  }
  return [...ev, ...dl, channels];
}
