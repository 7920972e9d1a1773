// Entry point: parse the configuration, run a subcommand or start the appliance, exit cleanly.

import { type FirstStartKeys, startApp } from "./app";
import { runBackup } from "./cli/backup";
import { EXIT_FAILURE, EXIT_STORE_DAMAGED } from "./cli/exit-codes";
import { runHealthcheck } from "./cli/healthcheck";
import { loadConfig } from "./config/load-config";
import { createLogger } from "./observability/logger";
import { StoreDamagedError } from "./storage/store";
import { VERSION } from "./version";

function announce(keys: FirstStartKeys): void {
  // Shown once, on stderr, outside the JSON log stream: logs must never carry keys.
  const lines = ["", "Inbox Webhooks: first start. These keys are shown once and stored only as hashes:"];
  if (keys.adminKey) lines.push(`  admin key:            ${keys.adminKey}`);
  if (keys.defaultAccount) {
    lines.push(`  default account:      ${keys.defaultAccount.id}`);
    lines.push(`  default account key:  ${keys.defaultAccount.apiKey}`);
  }
  lines.push("");
  process.stderr.write(`${lines.join("\n")}\n`);
}

async function main(): Promise<number> {
  const loaded = loadConfig(process.argv.slice(2), process.env);
  switch (loaded.kind) {
    case "help":
      process.stdout.write(`${loaded.text}\n`);
      return 0;
    case "version":
      process.stdout.write(`inbox-webhooks ${VERSION}\n`);
      return 0;
    case "error":
      process.stderr.write(`inbox-webhooks: ${loaded.message}\nRun with --help to see every option.\n`);
      return 2;
    case "healthcheck":
      return runHealthcheck(loaded.config.port, loaded.config.host);
    case "backup":
      return runBackup(loaded.config.dataDir, loaded.target);
    case "config":
      break;
  }
  const config = loaded.config;
  const logger = createLogger(config.logLevel);
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp(config, logger, announce);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger.error("start failed", { error: message });
    process.stderr.write(`inbox-webhooks: cannot start: ${message}\n`);
    return err instanceof StoreDamagedError ? EXIT_STORE_DAMAGED : EXIT_FAILURE;
  }
  return new Promise<number>((resolve) => {
    const onSignal = (signal: string) => {
      logger.info("signal received", { signal });
      app.stop().then(
        () => resolve(0),
        (err) => {
          logger.error("shutdown failed", { error: String(err) });
          resolve(1);
        },
      );
    };
    process.once("SIGTERM", () => onSignal("SIGTERM"));
    process.once("SIGINT", () => onSignal("SIGINT"));
  });
}

process.exit(await main());
