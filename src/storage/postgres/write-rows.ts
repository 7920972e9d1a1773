// The one row shape that the publish and record statements answer (./publish-statement.ts,
// ./record-statement.ts), alone or joined in one statement (./write-statement.ts): every row is
// a delivery row's columns plus `kind`, the lease columns and the store's clock, NULL where a kind
// has nothing to say. One shape lets one statement answer both parts with UNION ALL.
//
// - 'e': an event the statement created (account_id, event_id);
// - 'd': a delivery the publish stored (id, status; lease_seq > 0 when leased, lease_expires_at, now);
// - 'r': a delivery an outcome moved (every column; lease_owner set when relet).

import type { DeliveryRow } from "./rows";

export type WriteRow = DeliveryRow & {
  kind: "e" | "d" | "r";
  lease_owner: string | null;
  lease_seq: string | null;
  lease_expires_at: string | null;
  now: string | null;
};

/** The columns of a WriteRow after `kind`, with their types (a NULL in a UNION needs one). */
const COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["id", "text"],
  ["account_id", "text"],
  ["event_id", "text"],
  ["event_type", "text"],
  ["webhook_id", "text"],
  ["status", "text"],
  ["attempts", "int"],
  ["next_attempt_at", "int8"],
  ["created_at", "int8"],
  ["updated_at", "int8"],
  ["last_attempt_at", "int8"],
  ["last_status_code", "int"],
  ["last_error", "text"],
  ["retry_base", "int"],
  ["lease_owner", "text"],
  ["lease_seq", "int8"],
  ["lease_expires_at", "int8"],
  ["now", "int8"],
];

/** The select list of a row of `kind`: the given expressions by column, NULL for the others. */
export function writeRowSelect(kind: WriteRow["kind"], given: Readonly<Record<string, string>>): string {
  const columns = COLUMNS.map(([name, type]) => `${given[name] ?? `NULL::${type}`} AS ${name}`);
  return `'${kind}'::text AS kind, ${columns.join(", ")}`;
}

/** Every column taken from `source` (a relation holding them all by name). */
export function allColumnsOf(source: string): Record<string, string> {
  return Object.fromEntries(COLUMNS.map(([name]) => [name, `${source}.${name}`]));
}
