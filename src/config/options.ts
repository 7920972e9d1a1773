// Every configuration option, described once: its Config key, environment variable, flag, default
// (as text, parsed like any input, so --help shows exactly what applies), documentation and parser.
// load-config.ts merges defaults, environment and flags through this table and renders --help from
// it. Parsers throw an Error whose message is the reason, ending with what they got.

import type { Config, LogLevel } from "./config";
import { parseDatabaseUrl } from "./database-url";
import { formatDuration, formatSize, parseDuration, parseSize } from "./units";

export interface OptionSpec<K extends keyof Config = keyof Config> {
  key: K;
  env: string;
  flag: string;
  /** What the value looks like, for --help: "<port>", "<duration>"… Absent for booleans. */
  placeholder?: string;
  /** Default as input text; undefined when there is none (see defaultNote). */
  defaultText: string | undefined;
  /** Shown in --help instead of a default when there is none. */
  defaultNote?: string;
  doc: string;
  /** A boolean: `--flag` alone means true. */
  boolean?: true;
  /** Never echo the value in error messages. */
  secret?: true;
  parse: (raw: string) => Config[K];
}

/** Longest delay a JavaScript timer can wait (2^31 - 1 ms), rounded down to whole days. */
const TIMER_MS_MAX = 24 * 86_400_000;

function got(raw: string): string {
  return `got ${JSON.stringify(raw)}`;
}

function integerIn(min: number, max: number) {
  return (raw: string): number => {
    const text = raw.trim();
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new Error(`must be an integer between ${min} and ${max}, ${got(raw)}`);
    }
    return Number(text);
  };
}

function durationIn(min: number, max: number | undefined) {
  return (raw: string): number => {
    const ms = parseDuration(raw);
    if (ms < min || (max !== undefined && ms > max)) {
      const range =
        max === undefined
          ? `at least ${formatDuration(min)}`
          : `between ${formatDuration(min)} and ${formatDuration(max)}`;
      throw new Error(`must be ${range}, ${got(raw)}`);
    }
    return ms;
  };
}

const SCHEDULE_ENTRIES_MAX = 20;
const CORS_ORIGINS_MAX = 100;

/** "https://a.example, http://localhost:5173" or "*": origins exactly as browsers send them. */
function parseCorsOrigins(raw: string): string[] {
  const origins = raw.split(",").map((o) => o.trim());
  if (origins.length === 1 && origins[0] === "*") return ["*"];
  if (origins.length > CORS_ORIGINS_MAX)
    throw new Error(`must list at most ${CORS_ORIGINS_MAX} origins, got ${origins.length}`);
  for (const origin of origins) {
    if (!isHttpOrigin(origin)) {
      throw new Error(
        `must be "*" or origins such as https://app.example.com (scheme, host and port only, no path or trailing slash) separated by commas, ${got(origin)}`,
      );
    }
  }
  return origins;
}

/** "https://inbox.example.com" or "http://127.0.0.1:8080": an origin, nothing after it. */
function parsePublicUrl(raw: string): string {
  const text = raw.trim().replace(/\/$/, "");
  if (!isHttpOrigin(text)) {
    throw new Error(
      `must be an http or https origin such as https://inbox.example.com (scheme, host and port only, no path, query or credentials), ${got(raw)}`,
    );
  }
  return text;
}

/** Whether `text` is exactly an http or https origin as URL writes it (lower-case host, no path). */
function isHttpOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return /^https?:$/.test(url.protocol) && url.origin === text;
  } catch {
    return false;
  }
}

/** Origins allowed to frame the portal: as CORS origins, but never "*" (any site could frame it). */
function parseFrameAncestors(raw: string): string[] {
  if (raw.trim() === "*")
    throw new Error(`must name origins, not "*" (any site could frame the portal), ${got(raw)}`);
  return parseCorsOrigins(raw);
}

/** One event fans out in one transaction, so its webhooks stay few enough to write in ~0.2 s. */
const WEBHOOKS_PER_ACCOUNT_MAX = 10_000;
/** Large publishes are written in chunks, so this bounds their disk use, not their latency. */
const DELIVERIES_PER_PUBLISH_MAX = 1_000_000;

/** "0,30s,2m" -> [0, 30000, 120000]: the delay before each attempt, 1 to 20 of them. */
export function parseRetrySchedule(raw: string): number[] {
  const entries = raw.split(",");
  if (entries.length > SCHEDULE_ENTRIES_MAX) {
    throw new Error(
      `must list 1 to ${SCHEDULE_ENTRIES_MAX} delays separated by commas, got ${entries.length}`,
    );
  }
  return entries.map((entry, i) => {
    try {
      return parseDuration(entry);
    } catch (err) {
      throw new Error(`entry ${i + 1} ${(err as Error).message} (in ${JSON.stringify(raw)})`);
    }
  });
}

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

function isIPv6Literal(text: string): boolean {
  if (!text.includes(":") || text.includes("%")) return false;
  try {
    return new URL(`http://[${text}]/`).hostname !== "";
  } catch {
    return false;
  }
}

/**
 * An address to listen on: an IPv4 dotted quad, an IPv6 literal (bare or in brackets) or a DNS host
 * name. Checked here so that a typo is reported by the option's name instead of as EINVAL from
 * listen(); whether the address belongs to this machine is only known when listening.
 */
function parseListenHost(raw: string): string {
  const host = raw.trim();
  const why = (what: string): never => {
    throw new Error(
      `must be an IPv4 address (such as 127.0.0.1), an IPv6 address (such as ::1) or a host name; ${what}, ${got(raw)}`,
    );
  };
  if (host === "") why("it is empty");
  if (host.startsWith("[") || host.endsWith("]") || host.includes(":")) {
    const inner = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
    if (!isIPv6Literal(inner)) why("this is not a valid IPv6 address");
    return host;
  }
  if (/^[\d.]+$/.test(host)) {
    if (!DOTTED_QUAD.test(host)) why("this is not a valid IPv4 address (four numbers 0 to 255)");
    return host;
  }
  const labels = (host.endsWith(".") ? host.slice(0, -1) : host).split(".");
  if (host.length > 253 || !labels.every((l) => HOST_LABEL.test(l))) {
    why("a host name is made of letters, digits and hyphens between dots");
  }
  if (/^\d+$/.test(labels.at(-1) as string)) why("a host name cannot end in a number");
  return host;
}

const REPLICA_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function parseReplicaId(raw: string): string {
  const id = raw.trim();
  if (!REPLICA_ID.test(id)) {
    throw new Error(
      `must be 1 to 128 letters, digits, dots, colons, underscores or hyphens, starting with a letter or digit, ${got(raw)}`,
    );
  }
  return id;
}

const TRUE_WORDS = ["true", "1", "yes"];
const FALSE_WORDS = ["false", "0", "no"];

export function parseBoolean(raw: string): boolean {
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new Error(`must be one of true, false, 1, 0, yes, no, ${got(raw)}`);
}

const LOG_LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

function option<K extends keyof Config>(spec: OptionSpec<K>): OptionSpec<K> {
  return spec;
}

export type AnyOption = { [K in keyof Config]: OptionSpec<K> }[keyof Config];

export const OPTIONS: AnyOption[] = [
  option({
    key: "port",
    env: "INBOX_PORT",
    flag: "--port",
    placeholder: "<port>",
    defaultText: "3000",
    doc: "TCP port of the HTTP API; 0 picks any free port.",
    parse: integerIn(0, 65535),
  }),
  option({
    key: "host",
    env: "INBOX_HOST",
    flag: "--host",
    placeholder: "<address>",
    defaultText: "0.0.0.0",
    doc: "Interface to listen on (0.0.0.0 for all, 127.0.0.1 for this machine only).",
    parse: parseListenHost,
  }),
  option({
    key: "dataDir",
    env: "INBOX_DATA_DIR",
    flag: "--data-dir",
    placeholder: "<path>",
    defaultText: "./data",
    doc: "Directory of the embedded LMDB database; created when missing.",
    parse: (raw) => {
      if (raw.trim() === "") throw new Error(`must be a directory path, ${got(raw)}`);
      return raw;
    },
  }),
  option({
    key: "databaseUrl",
    env: "INBOX_DATABASE_URL",
    flag: "--database-url",
    placeholder: "<url>",
    defaultText: undefined,
    defaultNote: "none: the embedded LMDB store in --data-dir",
    doc: "PostgreSQL database to use instead of the embedded store (postgres://user:password@host:5432/db); any number of replicas may share it. Its schema is created and migrated at start. The password never appears in logs.",
    secret: true,
    parse: parseDatabaseUrl,
  }),
  option({
    key: "databasePoolMax",
    env: "INBOX_DATABASE_POOL",
    flag: "--database-pool",
    placeholder: "<n>",
    defaultText: "10",
    doc: "Connections this replica opens to PostgreSQL at most (replicas times this must stay below the server's max_connections).",
    parse: integerIn(1, 1_000),
  }),
  option({
    key: "leaseMarginMs",
    env: "INBOX_LEASE_MARGIN",
    flag: "--lease-margin",
    placeholder: "<duration>",
    defaultText: "10s",
    doc: "How much longer than --timeout a replica's lease on a due delivery lasts; a replica that dies holding leases delays those deliveries by at most the timeout plus this.",
    parse: durationIn(100, TIMER_MS_MAX),
  }),
  option({
    key: "replicaId",
    env: "INBOX_REPLICA_ID",
    flag: "--replica-id",
    placeholder: "<id>",
    defaultText: undefined,
    defaultNote: "<hostname>-<pid>-<random>",
    doc: "This replica's name in leases and logs; unique among the replicas sharing a database.",
    parse: parseReplicaId,
  }),
  option({
    key: "adminKey",
    env: "INBOX_ADMIN_KEY",
    flag: "--admin-key",
    placeholder: "<key>",
    defaultText: undefined,
    defaultNote: "generated on first start and printed once",
    doc: "Admin API key (at least 16 characters, no spaces); manages accounts.",
    secret: true,
    parse: (raw) => {
      if (raw.length < 16 || /[\s\p{Cc}]/u.test(raw)) {
        throw new Error(`must be at least 16 characters without spaces, got ${raw.length} characters`);
      }
      return raw;
    },
  }),
  option({
    key: "retrySchedule",
    env: "INBOX_RETRY_SCHEDULE",
    flag: "--retry-schedule",
    placeholder: "<durations>",
    defaultText: "0,30s,2m,8m,32m,2h",
    doc: "Delay before each delivery attempt, comma-separated (1 to 20); its length is the number of attempts.",
    parse: parseRetrySchedule,
  }),
  option({
    key: "timeoutMs",
    env: "INBOX_TIMEOUT",
    flag: "--timeout",
    placeholder: "<duration>",
    defaultText: "10s",
    doc: "Per-attempt timeout; a receiver slower than this has failed the attempt.",
    parse: durationIn(1, TIMER_MS_MAX),
  }),
  option({
    key: "concurrency",
    env: "INBOX_CONCURRENCY",
    flag: "--concurrency",
    placeholder: "<n>",
    defaultText: "256",
    doc: "Delivery attempts in flight overall. At most the runtime's limit on simultaneous outgoing requests, BUN_CONFIG_MAX_HTTP_REQUESTS (256 unless set in the environment): a higher value is lowered to it.",
    parse: integerIn(1, 100_000),
  }),
  option({
    key: "webhookConcurrency",
    env: "INBOX_WEBHOOK_CONCURRENCY",
    flag: "--webhook-concurrency",
    placeholder: "<n>",
    defaultText: "64",
    doc: "Delivery attempts in flight per webhook, so that one slow endpoint cannot hold up the others. At most the overall concurrency; the default follows it when that is lower.",
    parse: integerIn(1, 100_000),
  }),
  option({
    key: "accountConcurrency",
    env: "INBOX_ACCOUNT_CONCURRENCY",
    flag: "--account-concurrency",
    placeholder: "<n>",
    defaultText: undefined,
    defaultNote: "a quarter of the overall concurrency (64 with the defaults), at least the per-webhook one",
    doc: "Delivery attempts in flight per account, so that one account's slow or dead endpoints cannot hold up other accounts; freed slots go round-robin over accounts with due work. Between the per-webhook and the overall concurrency.",
    parse: integerIn(1, 100_000),
  }),
  option({
    key: "retentionMs",
    env: "INBOX_RETENTION",
    flag: "--retention",
    placeholder: "<duration>",
    defaultText: "30d",
    doc: "How long delivery logs and finished events are kept.",
    parse: durationIn(1, undefined),
  }),
  option({
    key: "disableAfterMs",
    env: "INBOX_DISABLE_AFTER",
    flag: "--disable-after",
    placeholder: "<duration>",
    defaultText: "5d",
    doc: "Disable a webhook whose attempts have all failed for this long (its pending deliveries are cancelled, recoverable after re-enabling); 0 never. A 410 Gone answer disables at once whatever this is.",
    parse: durationIn(0, undefined),
  }),
  option({
    key: "metricsWebhooksMax",
    env: "INBOX_METRICS_WEBHOOKS",
    flag: "--metrics-webhooks",
    placeholder: "<n>",
    defaultText: "0",
    doc: 'Give at most this many webhooks their own series in inbox_webhook_attempts_total (label webhook_id; the rest share webhook_id="other"), which bounds the metric\'s cardinality; 0 leaves the counter out.',
    parse: integerIn(0, 10_000),
  }),
  option({
    key: "bodyBytesMax",
    env: "INBOX_MAX_BODY",
    flag: "--max-body",
    placeholder: "<size>",
    defaultText: "256KiB",
    doc: "Largest accepted request body; larger ones answer 413.",
    parse: (raw) => {
      const bytes = parseSize(raw);
      if (bytes < 1 || bytes > 1_073_741_824) {
        throw new Error(`must be between 1B and ${formatSize(1_073_741_824)}, ${got(raw)}`);
      }
      return bytes;
    },
  }),
  option({
    key: "allowPrivateTargets",
    env: "INBOX_ALLOW_PRIVATE_TARGETS",
    flag: "--allow-private-targets",
    defaultText: "false",
    doc: "Allow webhooks to loopback, private and link-local addresses (development and tests only).",
    boolean: true,
    parse: parseBoolean,
  }),
  option({
    key: "logLevel",
    env: "INBOX_LOG_LEVEL",
    flag: "--log-level",
    placeholder: "<level>",
    defaultText: "info",
    doc: `Least severe log level written: ${LOG_LEVELS.join(", ")}.`,
    parse: (raw) => {
      const level = raw.trim().toLowerCase() as LogLevel;
      if (!LOG_LEVELS.includes(level))
        throw new Error(`must be one of ${LOG_LEVELS.join(", ")}, ${got(raw)}`);
      return level;
    },
  }),
  option({
    key: "retryAfterMsMax",
    env: "INBOX_RETRY_AFTER_CAP",
    flag: "--retry-after-cap",
    placeholder: "<duration>",
    defaultText: "1h",
    doc: "Longest wait honoured from a receiver's Retry-After header (0 ignores the header).",
    parse: durationIn(0, undefined),
  }),
  option({
    key: "shutdownGraceMs",
    env: "INBOX_SHUTDOWN_GRACE",
    flag: "--shutdown-grace",
    placeholder: "<duration>",
    defaultText: "10s",
    doc: "On SIGTERM/SIGINT, how long to wait for attempts in flight before closing.",
    parse: durationIn(0, TIMER_MS_MAX),
  }),
  option({
    key: "webhooksPerAccountMax",
    env: "INBOX_MAX_WEBHOOKS_PER_ACCOUNT",
    flag: "--max-webhooks-per-account",
    placeholder: "<n>",
    defaultText: "100",
    doc: "Most webhooks one account may register; one more answers 422 limit_exceeded. It also bounds the fan-out of one event, which is written in one transaction.",
    parse: integerIn(1, WEBHOOKS_PER_ACCOUNT_MAX),
  }),
  option({
    key: "deliveriesPerPublishMax",
    env: "INBOX_MAX_DELIVERIES_PER_PUBLISH",
    flag: "--max-deliveries-per-publish",
    placeholder: "<n>",
    defaultText: "10000",
    doc: "Most deliveries one publish request may create (events times their subscribed webhooks); more answers 422 limit_exceeded. At least the webhooks per account; the default of that follows it when lower.",
    parse: integerIn(1, DELIVERIES_PER_PUBLISH_MAX),
  }),
  option({
    key: "dataDepthMax",
    env: "INBOX_MAX_DATA_DEPTH",
    flag: "--max-data-depth",
    placeholder: "<levels>",
    defaultText: "32",
    doc: "Deepest nesting of objects and arrays in an event's data (data itself is level 1); deeper answers 422.",
    parse: integerIn(1, 256),
  }),
  option({
    key: "corsOrigins",
    env: "INBOX_CORS_ORIGINS",
    flag: "--cors-origins",
    placeholder: "<origins>",
    defaultText: undefined,
    defaultNote: "none: no CORS headers",
    doc: 'Origins whose browsers may call the API, separated by commas (https://app.example.com,http://localhost:5173), or "*" for any: preflights to /v1 are answered (methods GET, POST, PUT, PATCH, DELETE; headers Authorization, Content-Type) and answers to those origins carry Access-Control-Allow-Origin.',
    parse: parseCorsOrigins,
  }),
  option({
    key: "publicUrl",
    env: "INBOX_PUBLIC_URL",
    flag: "--public-url",
    placeholder: "<url>",
    defaultText: undefined,
    defaultNote: "taken from each request",
    doc: "The address this server is reached at (https://inbox.example.com: scheme, host and port only): the OpenAPI document's servers, the URL of portal links, and dashboard cookies marked Secure when it is https. Unset, each request's own address is used (X-Forwarded-Proto and X-Forwarded-Host honoured).",
    parse: parsePublicUrl,
  }),
  option({
    key: "portalFrameAncestors",
    env: "INBOX_PORTAL_FRAME_ANCESTORS",
    flag: "--portal-frame-ancestors",
    placeholder: "<origins>",
    defaultText: undefined,
    defaultNote: "none: the dashboard refuses to be framed",
    doc: "Origins whose pages may embed the customer portal in an iframe (https://app.example.com, separated by commas); every other site is refused (CSP frame-ancestors).",
    parse: parseFrameAncestors,
  }),
  option({
    key: "sessionTtlMs",
    env: "INBOX_SESSION_TTL",
    flag: "--session-ttl",
    placeholder: "<duration>",
    defaultText: "12h",
    doc: "How long a dashboard session lasts at most after sign-in (or after opening a portal link).",
    parse: durationIn(60_000, 30 * 86_400_000),
  }),
  option({
    key: "sessionIdleMs",
    env: "INBOX_SESSION_IDLE",
    flag: "--session-idle",
    placeholder: "<duration>",
    defaultText: "1h",
    doc: "A dashboard session unused for this long ends (signed out).",
    parse: durationIn(60_000, 30 * 86_400_000),
  }),
];
