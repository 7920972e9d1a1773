// Entry point: parse the configuration, run a subcommand or start the appliance, exit cleanly.

import { type FirstStartKeys, startApp } from "./app";
import { runBackup } from "./cli/backup";
import { EXIT_FAILURE, EXIT_OK, EXIT_STORE_DAMAGED, EXIT_USAGE } from "./cli/exit-codes";
import { runHealthcheck } from "./cli/healthcheck";
import { runMigrateStore } from "./cli/migrate-store";
import { MIGRATE_STORE_COMMAND } from "./cli/migrate-store-args";
import { redactPasswordIn } from "./config/database-url";
import { loadConfig } from "./config/load-config";
import { createLogger } from "./observability/logger";
import { SchemaVersionError, StoreDamagedError } from "./storage/store";
import { VERSION } from "./version";

function announce(keys: FirstStartKeys): void {
  // Shown once, on stderr, outside the JSON log stream: logs must never carry keys. Printed only once
  // the server is listening, so a start that fails (port in use) has created and lost no keys.
  const lines = ["", "Inbox Webhooks: first start. These keys are shown once and stored only as hashes:"];
  if (keys.adminKey) lines.push(`  admin key:            ${keys.adminKey}`);
  if (keys.defaultAccount) {
    lines.push(`  default account:      ${keys.defaultAccount.id}`);
    lines.push(`  default account key:  ${keys.defaultAccount.apiKey}`);
  }
  if (keys.adminKey) {
    lines.push(
      "  A lost admin key is replaced by restarting with INBOX_ADMIN_KEY set to a new one (16+ characters).",
    );
  }
  lines.push("");
  process.stderr.write(`${lines.join("\n")}\n`);
}

async function main(): Promise<number> {
  // Its own command line (--to, --data-dir), not the server's options.
  const argv = process.argv.slice(2);
  if (argv[0] === MIGRATE_STORE_COMMAND) return runMigrateStore(argv.slice(1), process.env);
  const loaded = loadConfig(argv, process.env);
  switch (loaded.kind) {
    case "help":
      process.stdout.write(`${loaded.text}\n`);
      return EXIT_OK;
    case "version":
      process.stdout.write(`inbox-webhooks ${VERSION}\n`);
      return EXIT_OK;
    case "error":
      process.stderr.write(`inbox-webhooks: ${loaded.message}\nRun with --help to see every option.\n`);
      return EXIT_USAGE;
    case "healthcheck":
      return runHealthcheck(loaded.config.port, loaded.config.host);
    case "backup":
      return runBackup(loaded.config.dataDir, loaded.target);
    case "config":
      break;
  }
  const config = loaded.config;
  const logger = createLogger(config.logLevel);
  // On stderr for whoever started the process, and in the log for whoever reads it later.
  for (const warning of loaded.warnings ?? []) {
    process.stderr.write(`inbox-webhooks: warning: ${warning}\n`);
    logger.warn("configuration warning", { warning });
  }
  // Listened for from the start: a signal that arrives while starting stops the server once it has
  // started, instead of killing the process half-way (the default action).
  let received: string | undefined;
  let onSignal = (signal: string) => {
    received = signal;
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp(config, logger, announce);
  } catch (err) {
    // A database driver's message may quote the URL it was given: never its password.
    const message = redactPasswordIn(err instanceof Error ? err.message : String(err), config.databaseUrl);
    logger.error("start failed", { error: message });
    process.stderr.write(`inbox-webhooks: cannot start: ${message}\n`);
    // Neither a damaged store nor one written by a newer release is helped by a restart.
    return err instanceof StoreDamagedError || err instanceof SchemaVersionError
      ? EXIT_STORE_DAMAGED
      : EXIT_FAILURE;
  }
  return new Promise<number>((resolve) => {
    onSignal = (signal: string) => {
      logger.info("signal received", { signal });
      app.stop().then(
        () => resolve(EXIT_OK),
        (err) => {
          logger.error("shutdown failed", { error: redactPasswordIn(String(err), config.databaseUrl) });
          resolve(EXIT_FAILURE);
        },
      );
    };
    if (received !== undefined) onSignal(received);
  });
}

process.exit(await main());
