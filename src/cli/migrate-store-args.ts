// The command line of `inbox-webhooks migrate-store`: pure, so every case is unit-tested
// (./migrate-store-args.test.ts). The database URL falls back to INBOX_DATABASE_URL and the data
// directory to INBOX_DATA_DIR, then ./data, as for the server; flags win over the environment.

import { parseDatabaseUrl } from "../config/database-url";

export const MIGRATE_STORE_COMMAND = "migrate-store";
const DATA_DIR_DEFAULT = "./data";

export interface MigrateStoreArgs {
  /** postgres:// URL of the target database. */
  to: string;
  dataDir: string;
}

export type ParsedMigrateStoreArgs =
  | { kind: "run"; args: MigrateStoreArgs }
  | { kind: "help"; text: string }
  | { kind: "error"; message: string };

export function migrateStoreHelp(): string {
  return [
    `Usage: inbox-webhooks ${MIGRATE_STORE_COMMAND} --to <url> [--data-dir <path>]`,
    "",
    "Copies every record of the embedded LMDB store in --data-dir (accounts, API keys, webhooks,",
    "events, deliveries, attempts, and the admin key) to a PostgreSQL database, creating or migrating",
    "its schema first. Stop the server first: a data directory in use is refused. Records already in",
    "the database are left as they are, so an interrupted copy is resumed by running it again. At the",
    "end the records of each kind are counted on both sides; the command fails, naming the kind, when",
    "they differ. Then start the server (or any number of replicas) with INBOX_DATABASE_URL.",
    "",
    "Options:",
    "  --to <url>          PostgreSQL database to copy to (postgres://user:password@host:5432/db);",
    "                      default: INBOX_DATABASE_URL. The password never appears in the output.",
    `  --data-dir <path>   data directory of the LMDB store; default: INBOX_DATA_DIR, else ${DATA_DIR_DEFAULT}`,
    "  -h, --help          show this help",
    "",
    "Exit codes: 0 copied and counts match, 1 failed (data directory in use, database unreachable,",
    "counts differ), 2 invalid command line, 3 damaged store or a database schema newer than this build.",
  ].join("\n");
}

interface Flags {
  to?: string;
  dataDir?: string;
  errors: string[];
}

const FLAGS: Record<string, keyof Omit<Flags, "errors">> = { "--to": "to", "--data-dir": "dataDir" };

/** Records one `--flag value` or `--flag=value`; answers how many more words it used. */
function readFlag(arg: string, next: string | undefined, flags: Flags): number {
  const eq = arg.indexOf("=");
  const name = eq < 0 ? arg : arg.slice(0, eq);
  const key = FLAGS[name];
  if (key === undefined) {
    flags.errors.push(`unknown flag ${name}`);
    return 0;
  }
  if (eq >= 0) {
    flags[key] = arg.slice(eq + 1);
    return 0;
  }
  if (next === undefined || next.startsWith("--")) {
    flags.errors.push(`${name}: missing value`);
    return 0;
  }
  flags[key] = next;
  return 1;
}

function readArgv(argv: string[]): Flags {
  const flags: Flags = { errors: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith("-")) i += readFlag(arg, argv[i + 1], flags);
    else flags.errors.push(`unexpected argument ${JSON.stringify(arg)}`);
  }
  return flags;
}

/** The target URL, or an error naming where it came from; the password never shown. */
function targetUrl(flags: Flags, env: Record<string, string | undefined>): string {
  const fromEnv = env.INBOX_DATABASE_URL;
  const [raw, source] =
    flags.to !== undefined
      ? [flags.to, "--to"]
      : [fromEnv === "" ? undefined : fromEnv, "INBOX_DATABASE_URL"];
  if (raw === undefined) {
    flags.errors.push("--to: missing: give the PostgreSQL database to copy to (postgres://…)");
    return "";
  }
  try {
    return parseDatabaseUrl(raw);
  } catch (error) {
    flags.errors.push(`${source}: ${(error as Error).message}`);
    return "";
  }
}

export function parseMigrateStoreArgs(
  argv: string[],
  env: Record<string, string | undefined>,
): ParsedMigrateStoreArgs {
  if (argv.includes("--help") || argv.includes("-h")) return { kind: "help", text: migrateStoreHelp() };
  const flags = readArgv(argv);
  const to = targetUrl(flags, env);
  const dataDir = flags.dataDir ?? (env.INBOX_DATA_DIR || DATA_DIR_DEFAULT);
  if (dataDir.trim() === "") flags.errors.push("--data-dir: must be a directory path, got empty text");
  if (flags.errors.length > 0) return { kind: "error", message: flags.errors.join("\n") };
  return { kind: "run", args: { to, dataDir } };
}
