// The statement that records a batch of finished attempts (group commit, ./group-commit.ts).
//
// Fenced: a delivery moves only when the batch's token is its current lease_seq and it is still
// leased (lease_owner set). Recording ends the lease (or relets it, raising the token), so the same
// outcome written twice (a replay after an ambiguous commit) is fenced the second time. An attempt
// is logged only for a delivery that moved: a fenced outcome writes nothing at all. A delivery that
// is no longer pending (cancelled meanwhile; cancellation keeps the lease) keeps its status and due
// time, but the attempt counts: attempts and last_* move (updated_at never backwards), so the next
// attempt after a recover or a retry takes the next number. Only the moved deliveries come back;
// the caller looks up the others (presentStatement) to tell fenced from missing.
//
// Stats (issue 10 item 6) ride in the same statement without slowing it: the moved outcomes that
// are not test sends go, in call order (the unnest's ordinality), to the function record_stats
// (./migrations/005-webhook-stats.ts), whose statements are planned once per connection. It sums
// them per (webhook, hour, latency bin) into the rows of the connection's shard, so statements in
// flight at once on other connections (the other write lane, other replicas) rarely wait for each
// other's row locks, and writes a webhook's health row only when failing_since changes (folded as
// ../stats-rollup.ts nextHealth does one at a time), taking no lock where it does not.

import type { AttemptRecord } from "../records";
import { bucketStart, latencyBin } from "../stats-rollup";
import type { AttemptOutcomeUpdate, LeaseRef, RecordOptions } from "../store";
import { toDbOrNull } from "./pg-text";
import { attemptParams, DELIVERY_COLUMNS } from "./rows";
import { allColumnsOf, writeRowSelect } from "./write-rows";

const PENDING = "d.status = 'pending'";
/** The retry stays leased to the same owner: pending again and due within relet_within. */
const RELET = `(${PENDING} AND o.status = 'pending' AND o.relet_ms IS NOT NULL
  AND o.next_at < clock.ms + o.relet_within)`;
const RELET_END = "GREATEST(clock.ms, o.next_at) + o.relet_ms";

const moveIfPending = (column: string, value: string) =>
  `${column} = CASE WHEN ${PENDING} THEN ${value} ELSE d.${column} END`;

/** The record part's arrays (name and element type, in parameter order): 9 outcome columns (the
 *  attempt's stats bucket and latency bin among them), then the attempt's 15 (see recordParams). */
const OUTCOME_COLUMNS =
  `token int8, status text, next_at int8, upd int8, err text, relet_within int8, relet_ms int8,
  bucket int8, bin int,
  att_id text, account_id text, webhook_id text, id text, event_id text, event_type text, attempt int,
  started_at int8, duration_ms int8, outcome text, code int, error_class text, error_message text,
  response_body text, test bool`
    .split(",")
    .map((c) => c.trim().split(" ") as [string, string]);

export const RECORD_ARRAYS = OUTCOME_COLUMNS.length;

/** The record part's CTEs, its arrays bound from parameter $first on. */
export const recordCtes = (s: string, first: number) => {
  const arrays = OUTCOME_COLUMNS.map(([, type], i) => `$${first + i}::${type}[]`);
  return `o AS (
  SELECT * FROM unnest(${arrays.join(", ")}) WITH ORDINALITY
    AS o(${OUTCOME_COLUMNS.map(([name]) => name).join(", ")}, ord)),
moved AS (
  UPDATE ${s}.deliveries d SET
    ${moveIfPending("status", "o.status")},
    attempts = d.attempts + 1,
    ${moveIfPending("next_attempt_at", "o.next_at")},
    updated_at = CASE WHEN ${PENDING} THEN o.upd ELSE GREATEST(d.updated_at, o.upd) END,
    last_attempt_at = o.started_at,
    last_status_code = o.code,
    last_error = o.err,
    due_at = CASE WHEN NOT ${PENDING} THEN d.due_at WHEN ${RELET} THEN ${RELET_END}
                  WHEN o.status = 'pending' THEN o.next_at END,
    lease_seq = d.lease_seq + CASE WHEN ${RELET} THEN 1 ELSE 0 END,
    lease_owner = CASE WHEN ${RELET} THEN d.lease_owner END,
    lease_expires_at = CASE WHEN ${RELET} THEN ${RELET_END} END
  FROM o, clock
  WHERE d.id = o.id AND d.lease_seq = o.token AND d.lease_owner IS NOT NULL
  RETURNING ${DELIVERY_COLUMNS.split(",")
    .map((c) => `d.${c.trim()}`)
    .join(", ")},
    d.lease_owner, d.lease_seq, d.lease_expires_at, clock.ms AS now,
    o.ord AS stat_ord, o.bucket AS stat_bucket, o.bin AS stat_bin, o.started_at AS stat_at,
    o.outcome = 'succeeded' AS stat_ok, o.test AS stat_test),
logged AS (
  INSERT INTO ${s}.attempts (id, account_id, webhook_id, delivery_id, event_id, event_type, attempt, started_at,
    duration_ms, outcome, status_code, error_class, error_message, response_body, test)
  SELECT o.att_id, o.account_id, o.webhook_id, o.id, o.event_id, o.event_type, o.attempt, o.started_at,
    o.duration_ms, o.outcome, o.code, o.error_class, o.error_message, o.response_body, o.test
  FROM o JOIN moved ON moved.id = o.id
  ON CONFLICT (id) DO NOTHING),
${statsCtes(s)}`;
};

/** The rollups and health of the moved outcomes that are not test sends with their call order
 *  (see the header): one call of record_stats, evaluated once (recordRows asks for its result). */
const statsCtes = (s: string) => `stats AS (
  SELECT ${s}.record_stats(array_agg(stat_ord), array_agg(webhook_id), array_agg(stat_bucket), array_agg(stat_bin),
    array_agg(stat_at), array_agg(stat_ok)) AS n
  FROM moved WHERE NOT stat_test)`;

/** The record part's rows (WriteRow 'r': each delivery an outcome moved), `where` on its branch. */
export const recordRows = (where: string) => `
SELECT ${writeRowSelect("r", allColumnsOf("moved"))} FROM moved WHERE ${where} AND (SELECT n FROM stats) IS NOT NULL`;

/** One outcome to record: the attempt, the delivery's next step, the lease it was made under. */
export interface RecordInput {
  attempt: AttemptRecord;
  update: AttemptOutcomeUpdate;
  lease: LeaseRef;
  options: RecordOptions | undefined;
}

/** The record part's RECORD_ARRAYS parameters, one element per input: the outcome, then the
 *  attempt's columns (its delivery_id is the lease's, checked by recordAttempt). */
export function recordParams(inputs: RecordInput[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: RECORD_ARRAYS }, () => []);
  for (const { attempt: a, update, lease, options } of inputs) {
    const values = [
      lease.token,
      update.status,
      update.status === "pending" ? update.next_attempt_at : null,
      a.started_at + a.duration_ms,
      a.outcome === "failed" ? toDbOrNull(a.error_message ?? a.error_class) : null,
      options?.relet?.withinMs ?? null,
      options?.relet?.leaseMs ?? null,
      bucketStart(a.started_at),
      latencyBin(a.duration_ms),
      ...attemptParams(a),
    ];
    for (const [i, value] of values.entries()) columns[i]?.push(value);
  }
  return columns;
}

/** Which of the ids exist: run only for the inputs the record statement did not move, to tell a
 *  fenced outcome from a missing delivery (none on the hot path). */
export const presentStatement = (s: string) => `SELECT id FROM ${s}.deliveries WHERE id = ANY($1::text[])`;
