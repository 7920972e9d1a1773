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

import { clockCte, PLANS_SET } from "./pg-context";

export const publishStatement = (s: string) => `
WITH ${clockCte(s)},
ev AS (
  INSERT INTO ${s}.events (account_id, id, type, created_at, data)
  SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::text[])
  ON CONFLICT (account_id, id) DO NOTHING
  RETURNING account_id, id),
src AS (
  SELECT * FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::text[],
      $14::int[], $15::int8[], $16::int8[], $17::int8[], $18::int8[], $19::int[], $20::text[], $21::int[],
      $22::text[], $23::int8[], $24::int[]) WITH ORDINALITY
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
  RETURNING id, status, lease_seq, lease_expires_at)
SELECT 'e' AS kind, ev.account_id AS a, ev.id AS b, NULL::int8 AS token, NULL::int8 AS ends, NULL::int8 AS now
FROM ev WHERE ${PLANS_SET}
UNION ALL
SELECT 'd', dl.id, dl.status, dl.lease_seq, dl.lease_expires_at, (SELECT ms FROM clock) FROM dl`;

/** A row of the publish statement: a created event ('e': a, b = account, id) or a stored delivery
 *  ('d': a = id, b = status, token > 0 when leased, ends = lease end, now = the store's clock). */
export interface PublishRow {
  kind: "e" | "d";
  a: string;
  b: string;
  token: string | null;
  ends: string | null;
  now: string | null;
}
