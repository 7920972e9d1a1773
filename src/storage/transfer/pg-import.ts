// Raw import into a PostgreSQL store: records of one kind inserted as they are, many rows in one
// statement (INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING), not through publish or
// any other write of the Store contract. A record whose key is already stored is skipped, never
// changed: importing the same records again writes nothing, so an interrupted copy is resumed by
// running it again. Strings go through the store's own escape (../postgres/pg-text.ts) and event
// data through its own JSON codec (../postgres/rows.ts), so the store reads back what was stored.
//
// A pending delivery arrives due at its next_attempt_at and unleased (no owner, token 0): the
// store's next lease hands it out like any other due work.

import type { Queryable } from "../postgres/pg-client";
import { fromDb, toDb, toDbOrNull } from "../postgres/pg-text";
import {
  attemptParams,
  channelsOrNull,
  dataText,
  deliveryParams,
  webhookControlParams,
} from "../postgres/rows";
import { KEY_SCOPES } from "../records";
import type { KindCounts, RecordKind, RecordOfKind } from "./record-kinds";
import { RECORD_KINDS } from "./record-kinds";

/** One table's import: its columns with their PostgreSQL types, and a record as a row of them. */
interface TableImport<R> {
  table: string;
  columns: ReadonlyArray<readonly [name: string, type: string]>;
  /** Columns computed from the row: name and SQL expression over the unnest alias `r`. */
  derived?: ReadonlyArray<readonly [name: string, sql: string]>;
  /** Expressions replacing a column's plain `r.<name>` value. */
  convert?: Readonly<Record<string, string>>;
  row(record: R): unknown[];
}

/** A text[] column that travels as a JSON array (null stays null), in order. */
const JSON_TEXT_ARRAY = (column: string) =>
  `CASE WHEN r.${column} IS NULL THEN NULL ELSE ARRAY(SELECT e.value FROM json_array_elements_text(r.${column}::json) WITH ORDINALITY e ORDER BY e.ordinality) END`;
const jsonOrNull = (value: unknown[] | null) => (value === null ? null : JSON.stringify(value));

const T = "text";
const I8 = "int8";
const I4 = "int";

const TABLES: { [K in RecordKind]: TableImport<RecordOfKind[K]> } = {
  meta: {
    table: "meta",
    columns: [
      ["key", T],
      ["value", T],
    ],
    row: (m) => [toDb(m.key), toDb(m.value)],
  },
  accounts: {
    table: "accounts",
    columns: [
      ["id", T],
      ["name", T],
      ["created_at", I8],
    ],
    row: (a) => [toDb(a.id), toDb(a.name), a.created_at],
  },
  api_keys: {
    table: "api_keys",
    columns: [
      ["id", T],
      ["account_id", T],
      ["hash", T],
      ["prefix", T],
      ["created_at", I8],
      ["revoked_at", I8],
      ["name", T],
      ["scopes", T],
      ["expires_at", I8],
      ["last_used_at", I8],
    ],
    // Records from before scoped keys carry no scopes: they keep both, as the store reads them.
    convert: {
      scopes:
        "ARRAY(SELECT e.value FROM json_array_elements_text(r.scopes::json) WITH ORDINALITY e ORDER BY e.ordinality)",
    },
    row: (k) => [
      toDb(k.id),
      toDb(k.account_id),
      toDb(k.hash),
      toDb(k.prefix),
      k.created_at,
      k.revoked_at,
      toDbOrNull(k.name ?? null),
      JSON.stringify(k.scopes ?? KEY_SCOPES),
      k.expires_at ?? null,
      k.last_used_at ?? null,
    ],
  },
  // schema and example as the store's JSON text (migration 007).
  event_types: {
    table: "event_types",
    columns: [
      ["name", T],
      ["description", T],
      ["schema", T],
      ["example", T],
      ["archived_at", I8],
      ["revision", I8],
      ["created_at", I8],
      ["updated_at", I8],
    ],
    row: (e) => [
      toDb(e.name),
      toDb(e.description),
      JSON.stringify(e.schema),
      e.example === null ? null : JSON.stringify(e.example),
      e.archived_at,
      e.revision,
      e.created_at,
      e.updated_at,
    ],
  },
  webhooks: {
    table: "webhooks",
    columns: [
      ["id", T],
      ["account_id", T],
      ["url", T],
      ["events", T],
      ["description", T],
      ["enabled", "bool"],
      ["secret", T],
      ["previous_secret", T],
      ["previous_secret_expires_at", I8],
      ["disabled_reason", T],
      ["disabled_at", I8],
      ["headers", T],
      ["rate_limit", I4],
      ["channels", T],
      ["created_at", I8],
      ["updated_at", I8],
    ],
    // One text[] a row cannot ride in an array of rows: it travels as a JSON array, in order.
    convert: {
      events:
        "ARRAY(SELECT e.value FROM json_array_elements_text(r.events::json) WITH ORDINALITY e ORDER BY e.ordinality)",
      channels: JSON_TEXT_ARRAY("channels"),
    },
    row: (w) => [
      toDb(w.id),
      toDb(w.account_id),
      toDb(w.url),
      JSON.stringify(w.events.map(toDb)),
      toDbOrNull(w.description),
      w.enabled,
      toDb(w.secret),
      w.previous_secret ? toDb(w.previous_secret.secret) : null,
      w.previous_secret?.expires_at ?? null,
      w.disabled_reason ?? null,
      w.disabled_at ?? null,
      ...webhookControlParams(w).map((v) => (Array.isArray(v) ? JSON.stringify(v) : v)),
      w.created_at,
      w.updated_at,
    ],
  },
  events: {
    table: "events",
    columns: [
      ["account_id", T],
      ["id", T],
      ["type", T],
      ["created_at", I8],
      ["data", T],
      ["channels", T],
    ],
    convert: { channels: JSON_TEXT_ARRAY("channels") },
    row: (e) => [
      toDb(e.account_id),
      toDb(e.id),
      toDb(e.type),
      e.created_at,
      dataText(e.data),
      jsonOrNull(channelsOrNull(e.channels)),
    ],
  },
  deliveries: {
    table: "deliveries",
    columns: [
      ["id", T],
      ["account_id", T],
      ["event_id", T],
      ["event_type", T],
      ["webhook_id", T],
      ["position", I4],
      ["status", T],
      ["attempts", I4],
      ["next_attempt_at", I8],
      ["created_at", I8],
      ["updated_at", I8],
      ["last_attempt_at", I8],
      ["last_status_code", I4],
      ["last_error", T],
      ["retry_base", I4],
    ],
    // Due while pending, unleased (lease_owner, lease_seq and lease_expires_at keep their defaults).
    derived: [["due_at", "CASE WHEN r.status = 'pending' THEN r.next_attempt_at END"]],
    row: ({ delivery, position }) => [...deliveryParams(delivery, position), delivery.retry_base ?? 0],
  },
  attempts: {
    table: "attempts",
    columns: [
      ["id", T],
      ["account_id", T],
      ["webhook_id", T],
      ["delivery_id", T],
      ["event_id", T],
      ["event_type", T],
      ["attempt", I4],
      ["started_at", I8],
      ["duration_ms", I8],
      ["outcome", T],
      ["status_code", I4],
      ["error_class", T],
      ["error_message", T],
      ["response_body", T],
      ["test", "bool"],
    ],
    row: attemptParams,
  },
};

/** The statement inserting rows given as one array per column; it answers how many it inserted. */
function insertStatement(s: string, spec: TableImport<never>): string {
  const names = spec.columns.map(([name]) => name);
  const arrays = spec.columns.map(([, type], i) => `$${i + 1}::${type}[]`);
  const values = names.map((name) => spec.convert?.[name] ?? `r.${name}`);
  const derived = spec.derived ?? [];
  return `WITH ins AS (
  INSERT INTO ${s}.${spec.table} (${[...names, ...derived.map(([name]) => name)].join(", ")})
  SELECT ${[...values, ...derived.map(([, sql]) => sql)].join(", ")}
  FROM unnest(${arrays.join(", ")}) AS r(${names.join(", ")})
  ON CONFLICT DO NOTHING
  RETURNING 1)
SELECT count(*)::int AS n FROM ins`;
}

export interface PgImport {
  /** A record as the row its table stores, and the characters it weighs. */
  row<K extends RecordKind>(kind: K, record: RecordOfKind[K]): { row: unknown[]; chars: number };
  /** Inserts the rows in one statement; answers how many were new (the rest were already stored). */
  insert(kind: RecordKind, rows: unknown[][]): Promise<number>;
  /** Rows stored per kind. */
  counts(): Promise<KindCounts>;
  /** The stored meta entries, as the store reads them. */
  meta(): Promise<Map<string, string>>;
}

function weigh(row: unknown[]): number {
  let chars = 0;
  for (const value of row) chars += typeof value === "string" ? value.length : 8;
  return chars;
}

/** `s`: the schema, quoted (../postgres/pg-context.ts quoteSchema). */
export function pgImport(client: Queryable, s: string): PgImport {
  const statements = new Map<RecordKind, string>(
    RECORD_KINDS.map((kind) => [kind, insertStatement(s, TABLES[kind] as TableImport<never>)]),
  );
  return {
    row(kind, record) {
      const row = (TABLES[kind] as TableImport<typeof record>).row(record);
      return { row, chars: weigh(row) };
    },

    async insert(kind, rows) {
      if (rows.length === 0) return 0;
      const width = TABLES[kind].columns.length;
      const columns = Array.from({ length: width }, (_, i) => rows.map((row) => row[i]));
      const [result] = await client.run<{ n: number }>(statements.get(kind) as string, columns);
      return Number(result?.n ?? 0);
    },

    async counts() {
      const select = RECORD_KINDS.map(
        (kind) => `(SELECT count(*) FROM ${s}.${TABLES[kind].table}) AS ${kind}`,
      );
      const [row] = await client.run<Record<RecordKind, string>>(`SELECT ${select.join(", ")}`);
      return Object.fromEntries(RECORD_KINDS.map((kind) => [kind, Number(row?.[kind] ?? 0)])) as KindCounts;
    },

    async meta() {
      const rows = await client.run<{ key: string; value: string }>(`SELECT key, value FROM ${s}.meta`);
      return new Map(rows.map((r) => [fromDb(r.key), fromDb(r.value)]));
    },
  };
}
