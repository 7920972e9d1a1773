// What PostgreSQL did during a run, per delivery: commits, WAL records, WAL bytes and WAL syncs (each sync
// is one fsync of the log: with durable settings a commit waits for one, unless group commit shares it),
// rows read by sequential scans of the store's tables (a count that grows with the table size points at a
// missing index or a bad plan), and, with --postgres-statements, the statements that took the most time (pg_stat_statements).
// Read after the replicas stopped: a backend flushes its statistics when it exits.

import { readdirSync, readFileSync } from "node:fs";
import type { SQL } from "bun";
import { round } from "./stats";

export interface PostgresCounters {
  commits: number;
  rollbacks: number;
  walRecords: number;
  walBytes: number;
  walSyncs: number;
  seqRows: number;
}

export async function readCounters(sql: SQL): Promise<PostgresCounters> {
  const [row] = await sql`
    SELECT (SELECT sum(xact_commit) FROM pg_stat_database)::float8 AS commits,
           (SELECT sum(xact_rollback) FROM pg_stat_database)::float8 AS rollbacks,
           wal_records::float8 AS "walRecords", wal_bytes::float8 AS "walBytes", wal_sync::float8 AS "walSyncs",
           (SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables)::float8 AS "seqRows"
    FROM pg_stat_wal`;
  return row as PostgresCounters;
}

/** Per-delivery differences, for the JSON line. */
export function countersPerDelivery(before: PostgresCounters, after: PostgresCounters, deliveries: number) {
  const per = (key: keyof PostgresCounters, digits: number) =>
    deliveries > 0 ? round((after[key] - before[key]) / deliveries, digits) : null;
  return {
    postgres_commits_per_delivery: per("commits", 3),
    postgres_rollbacks_per_delivery: per("rollbacks", 4),
    postgres_wal_records_per_delivery: per("walRecords", 2),
    postgres_wal_bytes_per_delivery: per("walBytes", 0),
    postgres_wal_syncs_per_delivery: per("walSyncs", 3),
    postgres_seq_scan_rows_per_delivery: per("seqRows", 1),
  };
}

/** Resets pg_stat_statements and this database's table counters (before readCounters, so differences hold). */
export async function resetStatements(sql: SQL): Promise<void> {
  await sql`SELECT pg_stat_statements_reset()`;
  await sql`SELECT pg_stat_reset()`;
}

/** Per table with sequential scans since the reset: scans and rows they read, per delivery. */
export async function sequentialScans(sql: SQL, deliveries: number) {
  const rows = (await sql`
    SELECT schemaname || '.' || relname AS "table", seq_scan::float8 AS scans, seq_tup_read::float8 AS rows
    FROM pg_stat_user_tables WHERE seq_scan > 0 ORDER BY seq_tup_read DESC`) as {
    table: string;
    scans: number;
    rows: number;
  }[];
  const d = Math.max(1, deliveries);
  return rows.map((r) => ({
    table: r.table,
    scans_per_delivery: round(r.scans / d, 4),
    rows_per_delivery: round(r.rows / d, 1),
  }));
}

/**
 * What a statement writes, e.g. "INSERT events, INSERT deliveries, UPDATE deliveries": the store's
 * hot statements all begin with the same clock CTE, so their first characters do not tell them apart.
 */
export function writesOf(query: string): string {
  // Not the row locks of SELECT … FOR UPDATE OF t.
  const found = query.matchAll(/(?<!FOR\s+)\b(INSERT INTO|UPDATE|DELETE FROM)\s+(?:"?\w+"?\.)?"?(\w+)"?/gi);
  const writes = [...found].map((m) => `${(m[1] ?? "").split(" ")[0]?.toUpperCase()} ${m[2]}`);
  return writes.length > 0 ? [...new Set(writes)].join(", ") : "read";
}

/** The `limit` statements with the most execution and planning time since the reset, per delivery (the bench's own left out). */
export async function topStatements(sql: SQL, deliveries: number, limit = 10) {
  const rows = (await sql`
    SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls::float8 AS calls, rows::float8 AS rows,
           total_exec_time AS ms, total_plan_time AS "planMs"
    FROM pg_stat_statements
    WHERE query NOT LIKE '%pg\\_stat%' AND query NOT LIKE '%pg\\_database\\_size%'
    ORDER BY total_exec_time + total_plan_time DESC LIMIT ${limit}`) as {
    query: string;
    calls: number;
    rows: number;
    ms: number;
    planMs: number;
  }[];
  const d = Math.max(1, deliveries);
  return rows.map((r) => ({
    writes: writesOf(r.query),
    query: r.query.length > 160 ? `${r.query.slice(0, 157)}...` : r.query,
    calls_per_delivery: round(r.calls / d, 3),
    rows_per_call: r.calls > 0 ? round(r.rows / r.calls, 1) : null,
    exec_us_per_delivery: round((r.ms * 1000) / d, 1),
    plan_us_per_delivery: round((r.planMs * 1000) / d, 1),
  }));
}

/** CPU seconds (user, system) of a PostgreSQL server's processes by role, at one moment. */
export type RoleCpu = Record<string, { user: number; system: number }>;

const TICKS_PER_S = 100;

/** The role of a postmaster child from its title ("postgres: walwriter"; a client backend's names its user). */
function roleOf(title: string): string {
  const t = title.replace(/^postgres: /, "");
  for (const role of ["walwriter", "checkpointer", "background writer", "autovacuum", "io worker"]) {
    if (t.startsWith(role)) return role;
  }
  return /\d+\.\d+\.\d+\.\d+\(\d+\)/.test(t) ? "backends" : "other";
}

function procStat(
  pid: number | string,
): { ppid: number; user: number; system: number; reapedUser: number; reapedSystem: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // f[0] is field 3 (state) of proc(5): field i is f[i - 3].
    const n = (i: number) => Number(f[i - 3]) / TICKS_PER_S;
    return { ppid: Number(f[1]), user: n(14), system: n(15), reapedUser: n(16), reapedSystem: n(17) };
  } catch {
    return null;
  }
}

/**
 * CPU of every process of the server whose postmaster is `pid`, by role; "postmaster and exited"
 * holds the postmaster's own and that of children that exited: read after the replicas stopped,
 * their backends are there.
 */
export function readRoleCpu(pid: number): RoleCpu {
  const out: RoleCpu = {};
  const add = (role: string, user: number, system: number) => {
    const prev = out[role] ?? { user: 0, system: 0 };
    out[role] = { user: prev.user + user, system: prev.system + system };
  };
  const postmaster = procStat(pid);
  if (postmaster) {
    add(
      "postmaster and exited",
      postmaster.user + postmaster.reapedUser,
      postmaster.system + postmaster.reapedSystem,
    );
  }
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat?.ppid !== pid) continue;
    let title = "";
    try {
      title = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\u0000", " ").trim();
    } catch {
      continue;
    }
    add(roleOf(title), stat.user, stat.system);
  }
  return out;
}

/** Per-delivery differences by role (µs, user + system), for the JSON line; roles under 1 µs left out. */
export function roleCpuPerDelivery(before: RoleCpu, after: RoleCpu, deliveries: number) {
  const d = Math.max(1, deliveries);
  const out: Record<string, { user_us: number; system_us: number }> = {};
  for (const [role, now] of Object.entries(after)) {
    const was = before[role] ?? { user: 0, system: 0 };
    const user = ((now.user - was.user) * 1e6) / d;
    const system = ((now.system - was.system) * 1e6) / d;
    if (user + system >= 1) out[role] = { user_us: Math.round(user), system_us: Math.round(system) };
  }
  return out;
}
