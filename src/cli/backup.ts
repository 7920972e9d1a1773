// `inbox-webhooks backup <path>`: writes a consistent, compacted copy of the store in --data-dir to the
// new file <path>, while the server runs or not, and says what it wrote. Restoring is copying that
// file back as <data-dir>/inbox.mdb while the server is stopped (README, "Operations").

import { BackupError, backupStore } from "../storage/lmdb/backup";
import { StoreDamagedError } from "../storage/store";
import { EXIT_FAILURE, EXIT_OK, EXIT_STORE_DAMAGED } from "./exit-codes";

export async function runBackup(dataDir: string, target: string): Promise<number> {
  try {
    const started = performance.now();
    const result = await backupStore(dataDir, target);
    const c = result.counts;
    process.stdout.write(
      [
        `backup written: ${result.path} (${result.bytes} bytes; the live data file is ${result.sourceBytes} bytes)`,
        `  store ${result.storeId ?? "(no id yet)"}, schema version ${result.schemaVersion ?? "?"}`,
        `  ${c.accounts} accounts, ${c.webhooks} webhooks, ${c.events} events, ${c.deliveries} deliveries`,
        `  every page checked; took ${Math.round(performance.now() - started)} ms`,
        "To restore: stop the server, then copy this file to <data-dir>/inbox.mdb (README, Operations).",
        "",
      ].join("\n"),
    );
    return EXIT_OK;
  } catch (error) {
    if (error instanceof StoreDamagedError) {
      process.stderr.write(`inbox-webhooks backup: ${error.message}\n`);
      return EXIT_STORE_DAMAGED;
    }
    const message = error instanceof BackupError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`inbox-webhooks backup: failed: ${message}\n`);
    return EXIT_FAILURE;
  }
}
