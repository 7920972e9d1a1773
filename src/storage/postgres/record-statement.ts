// The statement that records a batch of finished attempts (group commit, ./group-commit.ts).
//
// Fenced: a delivery moves only when the batch's token is its current lease_seq and it is still
// leased (lease_owner set). Recording ends the lease (or relets it, raising the token), so the same
// outcome written twice (a replay after an ambiguous commit) is fenced the second time. An attempt
// is logged only for a delivery that moved: a fenced outcome writes nothing at all. A delivery that
// is no longer pending (cancelled meanwhile; cancellation keeps the lease) keeps its state and only
// gains the attempt. Only the moved deliveries come back; the caller looks up the others
// (presentStatement) to tell fenced from missing.

const PENDING = "d.status = 'pending'";
/** The retry stays leased to the same owner: pending again and due within relet_within. */
const RELET = `(${PENDING} AND o.status = 'pending' AND o.relet_ms IS NOT NULL
  AND o.next_at < clock.ms + o.relet_within)`;
const RELET_END = "GREATEST(clock.ms, o.next_at) + o.relet_ms";

const moveIfPending = (column: string, value: string) =>
  `${column} = CASE WHEN ${PENDING} THEN ${value} ELSE d.${column} END`;

import { clockCte, PLANS_SET } from "./pg-context";

export const recordStatement = (s: string) => `
WITH ${clockCte(s)},
o AS (
  SELECT * FROM unnest($2::int8[], $3::text[], $4::int8[], $5::int8[], $6::text[], $7::int8[], $8::int8[],
      $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int[], $16::int8[],
      $17::int8[], $18::text[], $19::int[], $20::text[], $21::text[], $22::text[], $23::bool[])
    AS o(token, status, next_at, upd, err, relet_within, relet_ms, att_id, account_id, webhook_id, id,
         event_id, event_type, attempt, started_at, duration_ms, outcome, code, error_class,
         error_message, response_body, test)),
moved AS (
  UPDATE ${s}.deliveries d SET
    ${moveIfPending("status", "o.status")},
    attempts = d.attempts + CASE WHEN ${PENDING} THEN 1 ELSE 0 END,
    ${moveIfPending("next_attempt_at", "o.next_at")},
    ${moveIfPending("updated_at", "o.upd")},
    ${moveIfPending("last_attempt_at", "o.started_at")},
    ${moveIfPending("last_status_code", "o.code")},
    ${moveIfPending("last_error", "o.err")},
    due_at = CASE WHEN NOT ${PENDING} THEN d.due_at WHEN ${RELET} THEN ${RELET_END}
                  WHEN o.status = 'pending' THEN o.next_at END,
    lease_seq = d.lease_seq + CASE WHEN ${RELET} THEN 1 ELSE 0 END,
    lease_owner = CASE WHEN ${RELET} THEN d.lease_owner END,
    lease_expires_at = CASE WHEN ${RELET} THEN ${RELET_END} END
  FROM o, clock
  WHERE d.id = o.id AND d.lease_seq = o.token AND d.lease_owner IS NOT NULL
  RETURNING d.*, clock.ms AS now),
logged AS (
  INSERT INTO ${s}.attempts (id, account_id, webhook_id, delivery_id, event_id, event_type, attempt, started_at,
    duration_ms, outcome, status_code, error_class, error_message, response_body, test)
  SELECT o.att_id, o.account_id, o.webhook_id, o.id, o.event_id, o.event_type, o.attempt, o.started_at,
    o.duration_ms, o.outcome, o.code, o.error_class, o.error_message, o.response_body, o.test
  FROM o JOIN moved ON moved.id = o.id
  ON CONFLICT (id) DO NOTHING)
SELECT moved.id AS key, moved.* FROM moved WHERE ${PLANS_SET}`;

/** Which of the ids exist: run only for the inputs the record statement did not move, to tell a
 *  fenced outcome from a missing delivery (none on the hot path). */
export const presentStatement = (s: string) => `SELECT id FROM ${s}.deliveries WHERE id = ANY($1::text[])`;
