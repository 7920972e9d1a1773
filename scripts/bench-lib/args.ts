// Command-line flags of `bun run bench`, parsed and checked in one place. Pure: answers the options
// or a message naming the bad flag, and never exits.

import { parseArgs } from "node:util";

export type BenchMode = "throughput" | "rate" | "backlog" | "idle";

export interface BenchOptions {
  mode: BenchMode;
  /** Events published (throughput and rate), or derived from the backlog size and fan-out. */
  events: number;
  /** Publish requests in flight. */
  concurrency: number;
  /** Events per publish request: 1 uses POST /v1/events, more uses POST /v1/events/batch. */
  batch: number;
  /** Webhooks subscribed to the published type; each event makes one delivery per webhook. */
  fanout: number;
  /** Events per second in rate mode. */
  rate: number | null;
  /** Pending deliveries to build up in backlog mode. */
  backlog: number | null;
  /** Retry schedule the server gets in backlog mode (INBOX_RETRY_SCHEDULE syntax). */
  backlogSchedule: string;
  /** Servers use one embedded PostgreSQL cluster (durable settings) instead of LMDB. */
  postgres: boolean;
  /** Load pg_stat_statements and report the statements that took the most time. */
  postgresStatements: boolean;
  /** Extra settings for the embedded PostgreSQL server (`-c name=value`), for A/B runs. */
  postgresSettings: Record<string, string>;
  /** Server processes sharing the PostgreSQL database; publishes go to them in turn. */
  replicas: number;
  /** Server to run: a compiled binary, or src/main.ts under Bun. */
  server: { kind: "binary"; path: string; build: boolean } | { kind: "source" };
  raw: boolean;
  rawSeconds: number;
  rawConcurrency: number;
  /** Give up waiting for deliveries after this long without a new arrival. */
  stallSeconds: number;
  /** Hard bound on any single wait (deliveries, backlog build-up, readiness). */
  timeoutSeconds: number;
  idleSeconds: number;
  logLevel: string;
  /** Extra INBOX_* variables for the server, e.g. INBOX_CONCURRENCY=128. */
  serverEnv: Record<string, string>;
  keepData: boolean;
  /** Webhooks with custom headers and channels, events with a channel (./controls.ts). */
  controls: boolean;
}

export const USAGE = `Usage: bun run bench [flags]

Modes (one at a time; default is throughput):
  (default)            publish --events as fast as --concurrency allows, wait for every delivery
  --fanout K           every event goes to K webhooks (K deliveries per event)
  --rate R             publish at a fixed R events/s; headline is publish-to-arrival latency
  --backlog M          build M pending retries (a receiver that answers 500), restart, measure
                       memory and time until the server answers again
  --idle               start on a fresh data directory, wait --idle-seconds, report RSS

Store (any mode; LMDB in a fresh data directory by default):
  --postgres           the servers use one embedded PostgreSQL cluster started for the run, with
                       PostgreSQL's durable defaults (fsync, synchronous commit); adds postgres_cpu_s
                       and postgres_cpu_us_per_delivery (every PostgreSQL process) to the JSON line
  --replicas N         N server processes on that one database (needs --postgres; throughput and rate
                       modes), each on its own port; publishes go to them round-robin, and
                       server_cpu_us_per_delivery is summed over them (default 1, at most 16)
  --postgres-statements
                       with --postgres: load pg_stat_statements and add the ten statements that
                       took the most time (calls and microseconds per delivery) and the tables read
                       by sequential scans (rows per delivery) to the JSON line
  --postgres-setting NAME=VALUE
                       with --postgres: a PostgreSQL server setting for the run, repeatable (e.g.
                       synchronous_commit=off to see what waiting for the log costs)

Flags:
  --events N           events to publish (default 20000; backlog: M / fanout)
  --concurrency C      publish requests in flight (default 64; backlog: 4)
  --batch B            events per publish request, 1..1000 (default 1; backlog: 1000)
  --binary PATH        run this compiled server binary (never rebuilt)
  --no-build           use dist/inbox-webhooks as it is, even if older than the sources
  --source             run "bun src/main.ts" instead of the compiled binary
  --no-raw             skip the raw-limit phase
  --raw-seconds S      length of the raw-limit phase (default 5)
  --raw-concurrency C  POSTs in flight in the raw-limit phase (default: --concurrency)
  --backlog-schedule S INBOX_RETRY_SCHEDULE in backlog mode (default 0,1h,1h,1h,1h,1h)
  --stall-seconds S    stop waiting after S seconds without a new arrival (default 40)
  --timeout-seconds S  bound on any single wait (default 900)
  --idle-seconds S     idle mode wait (default 5)
  --log-level L        server log level (default info, the production default)
  --server-env K=V     extra server environment, repeatable (e.g. INBOX_CONCURRENCY=128)
  --keep-data          keep the temporary data directories
  --controls           register each webhook with 3 custom headers and 2 channels and publish every
                       event with a channel they take (issue 11; same deliveries; see
                       scripts/bench-lib/controls.ts)
  --help               this text

Prints progress on stderr and one JSON line with the figures on stdout.`;

export type ParsedArgs =
  | { kind: "run"; options: BenchOptions }
  | { kind: "help" }
  | { kind: "error"; message: string };

function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.replaceAll("_", "")))
    throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  const n = Number(raw.replaceAll("_", ""));
  if (n < 1 || n > max) throw new Error(`--${name} must be between 1 and ${max}, got ${n}`);
  return n;
}

export function parseBenchArgs(argv: string[]): ParsedArgs {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        events: { type: "string" },
        concurrency: { type: "string" },
        batch: { type: "string" },
        fanout: { type: "string" },
        rate: { type: "string" },
        backlog: { type: "string" },
        "backlog-schedule": { type: "string" },
        idle: { type: "boolean" },
        binary: { type: "string" },
        "no-build": { type: "boolean" },
        source: { type: "boolean" },
        "no-raw": { type: "boolean" },
        "raw-seconds": { type: "string" },
        "raw-concurrency": { type: "string" },
        "stall-seconds": { type: "string" },
        "timeout-seconds": { type: "string" },
        "idle-seconds": { type: "string" },
        "log-level": { type: "string" },
        "server-env": { type: "string", multiple: true },
        "keep-data": { type: "boolean" },
        controls: { type: "boolean" },
        postgres: { type: "boolean" },
        replicas: { type: "string" },
        "postgres-statements": { type: "boolean" },
        "postgres-setting": { type: "string", multiple: true },
        help: { type: "boolean" },
      },
    }));
  } catch (err) {
    return { kind: "error", message: err instanceof Error ? err.message : String(err) };
  }
  if (values.help) return { kind: "help" };
  try {
    return { kind: "run", options: settle(values) };
  } catch (err) {
    return { kind: "error", message: err instanceof Error ? err.message : String(err) };
  }
}

type RawValues = Record<string, string | boolean | string[] | undefined>;

function settle(v: RawValues): BenchOptions {
  const str = (name: string) => v[name] as string | undefined;
  const mode = modeOf(v);
  const server = serverOf(v);
  const backlog = mode === "backlog" ? positiveInt("backlog", str("backlog"), 0, 50_000_000) : null;
  const fanout = positiveInt("fanout", str("fanout"), mode === "backlog" ? 10 : 1, 100);
  const batch = positiveInt("batch", str("batch"), mode === "backlog" ? 1000 : 1, 1000);
  const concurrency = positiveInt("concurrency", str("concurrency"), mode === "backlog" ? 4 : 64, 4096);
  if (mode === "backlog" && str("events") !== undefined) {
    throw new Error("--events is derived from --backlog and --fanout in backlog mode; drop it");
  }
  const events =
    mode === "backlog"
      ? Math.ceil((backlog as number) / fanout)
      : positiveInt("events", str("events"), 20_000, 10_000_000);
  if (events * fanout > 50_000_000) throw new Error("--events x --fanout must be at most 50,000,000");
  const serverEnv = serverEnvOf(v["server-env"] as string[] | undefined);
  const logLevel = logLevelOf(str("log-level"));
  const { postgres, replicas, postgresStatements, postgresSettings } = storeOf(v, mode, serverEnv);
  return {
    mode,
    events,
    concurrency,
    batch,
    fanout,
    rate: mode === "rate" ? positiveInt("rate", str("rate"), 0, 1_000_000) : null,
    backlog,
    backlogSchedule: str("backlog-schedule") ?? "0,1h,1h,1h,1h,1h",
    postgres,
    postgresStatements,
    postgresSettings,
    replicas,
    server,
    raw: !v["no-raw"],
    rawSeconds: positiveInt("raw-seconds", str("raw-seconds"), 5, 600),
    rawConcurrency: positiveInt("raw-concurrency", str("raw-concurrency"), concurrency, 4096),
    stallSeconds: positiveInt("stall-seconds", str("stall-seconds"), 40, 3600),
    timeoutSeconds: positiveInt("timeout-seconds", str("timeout-seconds"), 900, 86_400),
    idleSeconds: positiveInt("idle-seconds", str("idle-seconds"), 5, 3600),
    logLevel,
    serverEnv,
    keepData: v["keep-data"] === true,
    controls: v.controls === true,
  };
}

/** At most one of --idle, --rate and --backlog; throughput when none. */
function modeOf(v: RawValues): BenchMode {
  const modes = [v.idle ? "--idle" : null, v.rate ? "--rate" : null, v.backlog ? "--backlog" : null];
  const chosen = modes.filter((m) => m !== null);
  if (chosen.length > 1) throw new Error(`choose one mode, not ${chosen.join(" and ")}`);
  return v.idle ? "idle" : v.rate ? "rate" : v.backlog ? "backlog" : "throughput";
}

/** --postgres and --replicas: several replicas need the shared database and a mode that publishes. */
function storeOf(
  v: RawValues,
  mode: BenchMode,
  serverEnv: Record<string, string>,
): Pick<BenchOptions, "postgres" | "replicas" | "postgresStatements" | "postgresSettings"> {
  const postgres = v.postgres === true;
  const postgresStatements = v["postgres-statements"] === true;
  if (postgresStatements && !postgres) throw new Error("--postgres-statements needs --postgres");
  const postgresSettings = postgresSettingsOf(v["postgres-setting"] as string[] | undefined);
  if (Object.keys(postgresSettings).length > 0 && !postgres) {
    throw new Error("--postgres-setting needs --postgres");
  }
  const replicas = positiveInt("replicas", v.replicas as string | undefined, 1, 16);
  if (replicas > 1 && !postgres) {
    throw new Error(
      "--replicas needs --postgres: replicas share one PostgreSQL database (LMDB is one process)",
    );
  }
  if (replicas > 1 && mode !== "throughput" && mode !== "rate") {
    throw new Error(`--replicas applies to the throughput and rate modes, not --${mode}`);
  }
  for (const key of ["INBOX_DATABASE_URL", "INBOX_REPLICA_ID"]) {
    if (postgres && key in serverEnv)
      throw new Error(`--postgres sets ${key} itself; drop --server-env ${key}`);
  }
  return { postgres, replicas, postgresStatements, postgresSettings };
}

function postgresSettingsOf(pairs: string[] | undefined): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf("=");
    const name = eq > 0 ? pair.slice(0, eq) : "";
    if (!/^[a-z_][a-z0-9_.]*$/.test(name)) {
      throw new Error(`--postgres-setting wants name=value (a PostgreSQL setting), got "${pair}"`);
    }
    settings[name] = pair.slice(eq + 1);
  }
  return settings;
}

function serverOf(v: RawValues): BenchOptions["server"] {
  const binary = v.binary as string | undefined;
  if ([binary !== undefined, v.source === true].filter(Boolean).length > 1) {
    throw new Error("--binary and --source exclude each other");
  }
  if (v["no-build"] && (binary !== undefined || v.source)) {
    throw new Error("--no-build applies to dist/inbox-webhooks only; drop it with --binary or --source");
  }
  return v.source
    ? { kind: "source" }
    : { kind: "binary", path: binary ?? "dist/inbox-webhooks", build: !v["no-build"] && !binary };
}

function serverEnvOf(pairs: string[] | undefined): Record<string, string> {
  const serverEnv: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf("=");
    const key = eq > 0 ? pair.slice(0, eq) : "";
    if (!/^INBOX_[A-Z0-9_]+$/.test(key))
      throw new Error(`--server-env wants INBOX_NAME=value, got "${pair}"`);
    serverEnv[key] = pair.slice(eq + 1);
  }
  return serverEnv;
}

function logLevelOf(raw: string | undefined): string {
  const logLevel = raw ?? "info";
  if (!["debug", "info", "warn", "error"].includes(logLevel)) {
    throw new Error(`--log-level must be debug, info, warn or error, got "${logLevel}"`);
  }
  return logLevel;
}
