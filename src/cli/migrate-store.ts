// `inbox-webhooks migrate-store --to postgres://… [--data-dir DIR]`: copies the embedded LMDB store
// of a stopped server to PostgreSQL (src/storage/transfer), prints what it copied per kind on
// stdout and progress on stderr every PROGRESS_INTERVAL_MS, and exits non-zero naming the kinds
// whose counts differ. The database password never appears: every message that could quote the
// URL is redacted.

import { redactDatabaseUrl, redactPasswordIn } from "../config/database-url";
import { createLogger, type Logger } from "../observability/logger";
import { DATA_FILE } from "../storage/lmdb/lmdb-databases";
import { asStoreDamage } from "../storage/lmdb/open-checks";
import { SchemaVersionError as LmdbSchemaVersionError } from "../storage/lmdb/schema";
import { SCHEMA_DEFAULT } from "../storage/postgres/pg-store";
import { SchemaVersionError, StoreDamagedError, StoreLockedError } from "../storage/store";
import { NoStoreError, openLmdbSource } from "../storage/transfer/lmdb-source";
import { openPgTarget } from "../storage/transfer/pg-target";
import { type KindResult, type TransferResult, transferStore } from "../storage/transfer/transfer";
import { EXIT_FAILURE, EXIT_OK, EXIT_STORE_DAMAGED, EXIT_USAGE } from "./exit-codes";
import { type MigrateStoreArgs, parseMigrateStoreArgs } from "./migrate-store-args";

const PREFIX = "inbox-webhooks migrate-store";
export const PROGRESS_INTERVAL_MS = 5_000;

/** Where the command writes; the tests pass their own. */
export interface MigrateStoreIo {
  out(text: string): void;
  err(text: string): void;
  now(): number;
}

const processIo: MigrateStoreIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  now: () => performance.now(),
};

export async function runMigrateStore(
  argv: string[],
  env: Record<string, string | undefined>,
  io: MigrateStoreIo = processIo,
): Promise<number> {
  const parsed = parseMigrateStoreArgs(argv, env);
  if (parsed.kind === "help") {
    io.out(`${parsed.text}\n`);
    return EXIT_OK;
  }
  if (parsed.kind === "error") {
    io.err(`${PREFIX}: ${parsed.message}\nRun "inbox-webhooks migrate-store --help" to see its options.\n`);
    return EXIT_USAGE;
  }
  const { args } = parsed;
  try {
    const result = await migrate(args, io);
    return report(args, result, io);
  } catch (error) {
    return failed(args, asStoreDamage(error, args.dataDir, DATA_FILE), io);
  }
}

/** The stores' own log lines, errors only (the command says what failed), on stderr, never with the password. */
function stderrLogger(args: MigrateStoreArgs, io: MigrateStoreIo): Logger {
  return createLogger("error", (line) => io.err(redactPasswordIn(line, args.to)));
}

async function migrate(args: MigrateStoreArgs, io: MigrateStoreIo): Promise<TransferResult> {
  const logger = stderrLogger(args, io);
  const source = await openLmdbSource(args.dataDir, logger);
  try {
    const target = await openPgTarget({ url: args.to, logger, replicaId: `migrate-store-${process.pid}` });
    try {
      return await transferStore({
        source: source.export,
        target: target.import,
        onChunk: progressReporter(io),
        now: io.now,
      });
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** A progress line on stderr at most every PROGRESS_INTERVAL_MS (none for a store copied sooner). */
function progressReporter(io: MigrateStoreIo): (progress: KindResult) => void {
  let last = io.now();
  const started = last;
  return (p) => {
    const now = io.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    const done = p.copied + p.skipped;
    io.err(
      `${PREFIX}: ${p.kind}: ${done} of ${p.source} (${p.copied} copied, ${p.skipped} already there), ` +
        `${Math.round((now - started) / 1000)} s\n`,
    );
  };
}

function table(kinds: KindResult[]): string[] {
  const cell = (value: string | number, width: number) => String(value).padStart(width);
  const lines = [
    `  ${"kind".padEnd(12)}${cell("source", 10)}${cell("copied", 10)}${cell("skipped", 10)}${cell("target", 10)}`,
  ];
  for (const k of kinds) {
    lines.push(
      `  ${k.kind.padEnd(12)}${cell(k.source, 10)}${cell(k.copied, 10)}${cell(k.skipped, 10)}${cell(k.target ?? "?", 10)}`,
    );
  }
  return lines;
}

function report(args: MigrateStoreArgs, result: TransferResult, io: MigrateStoreIo): number {
  const seconds = (result.elapsedMs / 1000).toFixed(1);
  io.out(
    [
      `Copied the LMDB store in ${args.dataDir} to ${redactDatabaseUrl(args.to)} (schema ${SCHEMA_DEFAULT}) in ${seconds} s:`,
      ...table(result.kinds),
      result.problems.length === 0
        ? "Every kind has as many records in PostgreSQL as in the LMDB store. Start the server with INBOX_DATABASE_URL set to this database."
        : "The copy differs from the LMDB store (see stderr).",
      "",
    ].join("\n"),
  );
  if (result.problems.length === 0) return EXIT_OK;
  io.err(
    `${PREFIX}: the copy differs from the LMDB store:\n${result.problems.map((p) => `  ${p}\n`).join("")}` +
      "Records already in the database before the copy stay as they were; copy into an empty database.\n",
  );
  return EXIT_FAILURE;
}

/** An error's message, with its cause's when it has one (what the database driver said). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

function failed(args: MigrateStoreArgs, error: unknown, io: MigrateStoreIo): number {
  const message = redactPasswordIn(describe(error), args.to);
  if (error instanceof StoreLockedError) {
    io.err(`${PREFIX}: ${message}: stop the server using it, then run migrate-store again\n`);
    return EXIT_FAILURE;
  }
  if (error instanceof NoStoreError) {
    io.err(`${PREFIX}: ${message}\n`);
    return EXIT_FAILURE;
  }
  const damaged =
    error instanceof StoreDamagedError ||
    error instanceof SchemaVersionError ||
    error instanceof LmdbSchemaVersionError;
  io.err(
    `${PREFIX}: failed: ${message}\n` +
      (damaged ? "" : "Records copied so far stay; run the same command again to resume.\n"),
  );
  return damaged ? EXIT_STORE_DAMAGED : EXIT_FAILURE;
}
