// Turns the command line and the environment into a settled Config, or into what to do instead
// (print help, print the version, report an error). Precedence: compiled-in defaults, then INBOX_*
// environment variables, then flags; then one validation pass across options. Pure: the caller
// passes argv (without the executable and script), the environment and what the default replica id
// is made of (this machine's, unless given); nothing here reads process.env or prints.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Config } from "./config";
import { type AnyOption, OPTIONS } from "./options";

export type LoadResult =
  | { kind: "config"; config: Config; warnings?: string[] }
  | { kind: "healthcheck"; config: Config }
  | { kind: "backup"; config: Config; target: string }
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "error"; message: string };

const PROGRAM = "inbox-webhooks";
const BY_FLAG = new Map<string, AnyOption>(OPTIONS.map((o) => [o.flag, o]));
const KNOWN_ENV = new Set(OPTIONS.map((o) => o.env));

interface Setting {
  option: AnyOption;
  raw: string;
  /** Where the value came from, as the user would name it: "INBOX_PORT" or "--port". */
  source: string;
}

/** What the default replica id is made of. */
export interface ReplicaOrigin {
  hostname: string;
  pid: number;
  /** A few random characters, so that a restarted process with the same pid is another replica. */
  random: string;
}

function thisProcess(): ReplicaOrigin {
  return { hostname: hostname(), pid: process.pid, random: randomBytes(3).toString("hex") };
}

/** `<hostname>-<pid>-<random>`, with anything a replica id may not hold in the host name dropped. */
export function defaultReplicaId(origin: ReplicaOrigin): string {
  const host = origin.hostname
    .replace(/[^A-Za-z0-9._-]/g, "")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 100);
  return `${host || "replica"}-${origin.pid}-${origin.random}`;
}

export function loadConfig(
  argv: string[],
  env: Record<string, string | undefined>,
  origin: ReplicaOrigin = thisProcess(),
): LoadResult {
  const early = helpOrVersion(argv);
  if (early) return early;

  const args = parseArgv(argv);
  const errors = args.errors;
  const { config, sources } = resolveValues([...envSettings(env), ...args.settings], errors);
  config.replicaId ??= defaultReplicaId(origin);

  const notes: string[] = [];
  if (errors.length === 0) settleConcurrency(config, sources, fetchLimit(env), { errors, notes });

  if (errors.length === 0) fitFanOutLimits(config, sources, errors);
  if (args.backupTarget === "") errors.push("backup: missing the path to write the backup to");
  checkStoreChoice(config, sources, args.backupTarget !== undefined, { errors, notes });
  if (errors.length > 0) return { kind: "error", message: errors.join("\n") };
  if (args.healthcheck) return { kind: "healthcheck", config };
  if (args.backupTarget !== undefined) return { kind: "backup", config, target: args.backupTarget };
  const warnings = unknownEnvWarnings(env).concat(notes);
  return warnings.length > 0 ? { kind: "config", config, warnings } : { kind: "config", config };
}

/**
 * With a database URL the store is PostgreSQL: `backup` (which copies the LMDB data directory) is
 * refused, and a data directory that was set is noted as unused.
 */
function checkStoreChoice(
  config: Config,
  sources: Map<keyof Config, string>,
  backup: boolean,
  out: { errors: string[]; notes: string[] },
): void {
  if (config.databaseUrl === undefined) return;
  const url = sources.get("databaseUrl") ?? "INBOX_DATABASE_URL";
  if (backup) {
    out.errors.push(
      `backup: copies the embedded store in --data-dir; with ${url} the store is PostgreSQL, backed up with its own tools (pg_dump, see README, Operations)`,
    );
  }
  const dataDir = sources.get("dataDir");
  if (dataDir !== undefined) out.notes.push(`${dataDir}: unused, since ${url} makes the store PostgreSQL`);
}

/** `--help` or `--version` anywhere wins over everything else, errors included. */
function helpOrVersion(argv: string[]): LoadResult | undefined {
  for (const arg of argv) {
    if (arg === "--help" || arg === "-h") return { kind: "help", text: helpText() };
    if (arg === "--version" || arg === "-v") return { kind: "version" };
  }
  return undefined;
}

function envSettings(env: Record<string, string | undefined>): Setting[] {
  const settings: Setting[] = [];
  for (const option of OPTIONS) {
    const raw = env[option.env];
    // An empty variable counts as unset, as container tooling often sets them that way.
    if (raw !== undefined && raw !== "") settings.push({ option, raw, source: option.env });
  }
  return settings;
}

interface ParsedArgv {
  settings: Setting[];
  errors: string[];
  healthcheck: boolean;
  /** `backup <path>`: undefined when not asked; "" until the path is seen. */
  backupTarget: string | undefined;
}

function parseArgv(argv: string[]): ParsedArgv {
  const parsed: ParsedArgv = { settings: [], errors: [], healthcheck: false, backupTarget: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith("--")) i += parseFlag(arg, argv[i + 1], parsed);
    else if (arg.startsWith("-") && arg !== "-") parsed.errors.push(`unknown flag ${arg}`);
    else parseWord(arg, parsed);
  }
  return parsed;
}

/** Records one `--flag`, `--flag=value` or `--flag value`; answers how many more words it used. */
function parseFlag(arg: string, next: string | undefined, parsed: ParsedArgv): number {
  const eq = arg.indexOf("=");
  const name = eq < 0 ? arg : arg.slice(0, eq);
  const option = BY_FLAG.get(name);
  if (option === undefined) {
    parsed.errors.push(`unknown flag ${name}`);
    return 0;
  }
  if (eq >= 0) parsed.settings.push({ option, raw: arg.slice(eq + 1), source: name });
  else if (option.boolean) parsed.settings.push({ option, raw: "true", source: name });
  else if (next === undefined || next.startsWith("--")) parsed.errors.push(`${name}: missing value`);
  else {
    parsed.settings.push({ option, raw: next, source: name });
    return 1;
  }
  return 0;
}

/** A word that is not a flag: a subcommand, the backup path, or an error. */
function parseWord(arg: string, parsed: ParsedArgv): void {
  const noCommand = !parsed.healthcheck && parsed.backupTarget === undefined;
  if (arg === "healthcheck" && noCommand) parsed.healthcheck = true;
  else if (arg === "backup" && noCommand) parsed.backupTarget = "";
  else if (parsed.backupTarget === "" && arg !== "") parsed.backupTarget = arg;
  else parsed.errors.push(`unexpected argument ${JSON.stringify(arg)}`);
}

/** Defaults first, then each setting in order: later ones (flags) override earlier (environment). */
function resolveValues(
  settings: Setting[],
  errors: string[],
): { config: Config; sources: Map<keyof Config, string> } {
  const values = new Map<keyof Config, unknown>();
  const sources = new Map<keyof Config, string>();
  for (const option of OPTIONS) {
    values.set(option.key, option.defaultText === undefined ? undefined : option.parse(option.defaultText));
  }
  for (const { option, raw, source } of settings) {
    try {
      values.set(option.key, option.parse(raw));
      sources.set(option.key, source);
    } catch (err) {
      errors.push(`${source}: ${(err as Error).message}`);
    }
  }
  return { config: Object.fromEntries(values) as unknown as Config, sources };
}

function unknownEnvWarnings(env: Record<string, string | undefined>): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith("INBOX_") && !KNOWN_ENV.has(name))
    .sort()
    .map((name) => `ignoring unknown environment variable ${name}`);
}

/**
 * One event to every webhook of an account must fit in one publish: the deliveries limit may not be
 * below the webhooks limit. When only the webhooks default is too high it follows the other down.
 */
function fitFanOutLimits(config: Config, sources: Map<keyof Config, string>, errors: string[]): void {
  if (config.deliveriesPerPublishMax >= config.webhooksPerAccountMax) return;
  const webhooksSource = sources.get("webhooksPerAccountMax");
  if (webhooksSource === undefined) {
    config.webhooksPerAccountMax = config.deliveriesPerPublishMax;
    return;
  }
  const deliveriesSource =
    sources.get("deliveriesPerPublishMax") ?? "INBOX_MAX_DELIVERIES_PER_PUBLISH (default)";
  errors.push(
    `${deliveriesSource}: must be at least ${webhooksSource} (${config.webhooksPerAccountMax}), ` +
      `got ${config.deliveriesPerPublishMax}`,
  );
}

type ConcurrencyKey = "webhookConcurrency" | "accountConcurrency" | "concurrency";

/**
 * Bun sends at most this many fetch requests at once, process-wide, and queues the rest in a FIFO
 * of its own where their timeouts run (BUN_CONFIG_MAX_HTTP_REQUESTS, read once at process start).
 * Attempts beyond it would wait there, unseen by the fair limiter: the overall concurrency is kept
 * within it.
 */
const FETCH_LIMIT_ENV = "BUN_CONFIG_MAX_HTTP_REQUESTS";
const FETCH_LIMIT_DEFAULT = 256;

function fetchLimit(env: Record<string, string | undefined>): number {
  const raw = env[FETCH_LIMIT_ENV]?.trim() ?? "";
  return /^\d+$/.test(raw) && Number(raw) >= 1 ? Number(raw) : FETCH_LIMIT_DEFAULT;
}

/**
 * Keeps webhookConcurrency <= accountConcurrency <= concurrency <= the runtime's fetch limit.
 * A concurrency above that limit is lowered to it (with a note when it was set); a per-webhook or
 * per-account value left at its default follows what was set (the per-account default is a
 * quarter of the overall concurrency, kept between the other two); values set that disagree are
 * an error naming both.
 */
function settleConcurrency(
  config: Config,
  sources: Map<keyof Config, string>,
  limit: number,
  out: { errors: string[]; notes: string[] },
): void {
  const name = (key: ConcurrencyKey) =>
    sources.get(key) ?? `${OPTIONS.find((o) => o.key === key)?.env ?? key} (default)`;
  const exceeds = (lower: ConcurrencyKey, upper: ConcurrencyKey) =>
    `${name(lower)}: must not exceed ${name(upper)} (${config[upper]}), got ${config[lower]}`;
  if (config.concurrency > limit) {
    if (sources.has("concurrency")) {
      out.notes.push(
        `${name("concurrency")}: lowered from ${config.concurrency} to ${limit}, the runtime's limit on ` +
          `simultaneous outgoing requests; set ${FETCH_LIMIT_ENV} in the environment to raise it`,
      );
    }
    config.concurrency = limit;
  }
  if (config.webhookConcurrency > config.concurrency) {
    if (sources.has("webhookConcurrency")) {
      out.errors.push(exceeds("webhookConcurrency", "concurrency"));
      return;
    }
    config.webhookConcurrency = config.concurrency;
  }
  if (!sources.has("accountConcurrency")) {
    const quarter = Math.floor(config.concurrency / 4);
    config.accountConcurrency = Math.min(config.concurrency, Math.max(config.webhookConcurrency, quarter));
    return;
  }
  if (config.accountConcurrency > config.concurrency)
    out.errors.push(exceeds("accountConcurrency", "concurrency"));
  else if (config.webhookConcurrency > config.accountConcurrency) {
    if (sources.has("webhookConcurrency"))
      out.errors.push(exceeds("webhookConcurrency", "accountConcurrency"));
    else config.webhookConcurrency = config.accountConcurrency;
  }
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(indent + line);
  return lines;
}

/** The --help text, generated from the options table: every option with its variable and default. */
export function helpText(): string {
  const out = [
    "Inbox Webhooks: self-hosted webhook delivery. Stores webhooks, events and delivery logs in an",
    "embedded database (or in PostgreSQL, shared by any number of replicas), signs every request and",
    "delivers on a retry schedule.",
    "",
    "Usage:",
    `  ${PROGRAM} [options]                run the server`,
    `  ${PROGRAM} healthcheck [options]    exit 0 when the server at --port (and --host) answers GET /health, else 1`,
    `  ${PROGRAM} backup <path> [options]  write a consistent, compacted copy of the store in --data-dir to the`,
    "                                          new file <path>; safe while the server runs (README, Operations)",
    `  ${PROGRAM} migrate-store --to <url> [--data-dir <path>]`,
    "                                          copy a stopped server's embedded store to PostgreSQL; run it",
    "                                          again to resume (migrate-store --help)",
    `  ${PROGRAM} --version                print the version and exit`,
    `  ${PROGRAM} --help                   print this help and exit`,
    "",
    "Options. Each can also be set by its environment variable; flags override the environment,",
    "which overrides the defaults shown.",
    "",
  ];
  const heads = OPTIONS.map((o) => (o.placeholder ? `${o.flag} ${o.placeholder}` : `${o.flag}[=<bool>]`));
  const headWidth = Math.max(...heads.map((h) => h.length));
  const envWidth = Math.max(...OPTIONS.map((o) => o.env.length));
  OPTIONS.forEach((o, i) => {
    const shown =
      o.defaultText !== undefined ? `default: ${o.defaultText}` : `default: ${o.defaultNote ?? "none"}`;
    out.push(`  ${(heads[i] as string).padEnd(headWidth)}  ${o.env.padEnd(envWidth)}  ${shown}`);
    out.push(...wrap(o.doc, 100, "      "));
  });
  out.push(
    "",
    "Durations are a number with a unit, ms, s, m, h or d, and may combine (500ms, 30s, 1h30m, 30d);",
    "a bare number is refused (30 could mean 30 ms or 30 days), except 0. Sizes take B, KB, MB, GB",
    "(powers of 1000) or KiB, MiB, GiB (powers of 1024); a bare number is bytes. Booleans take",
    "true/false, 1/0 or yes/no.",
  );
  return out.join("\n");
}
