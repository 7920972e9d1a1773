// Child process for store-damage-pages.test.ts: opens a data directory the way the server's start
// does (open, then read every account and webhook, as the start-up scan of blocked webhooks does)
// and exits 3 for a StoreDamagedError (after asStoreDamage, as src/app.ts reports it), 1 for any
// other error, 0 when it opened.

import { blockedWebhooks } from "../../../src/domain/blocked-destinations";
import { DATA_FILE } from "../../../src/storage/lmdb/lmdb-databases";
import { openLmdbStore } from "../../../src/storage/lmdb/lmdb-store";
import { asStoreDamage } from "../../../src/storage/lmdb/open-checks";
import { StoreDamagedError } from "../../../src/storage/store";
import { silentLogger } from "../../support/silent-logger";

const dataDir = process.argv[2] as string;
try {
  const store = await openLmdbStore({ dataDir, logger: silentLogger });
  for await (const _ of blockedWebhooks(store, false)) {
    // Read them all, as the start does.
  }
  await store.close();
  process.exit(0);
} catch (error) {
  const reported = asStoreDamage(error, dataDir, DATA_FILE);
  process.stderr.write(`${reported instanceof Error ? reported.message : String(reported)}\n`);
  process.exit(reported instanceof StoreDamagedError ? 3 : 1);
}
