// PostgreSQL, two replicas on one schema: an edit made from a cached read older than the other
// replica's disable is refused as stale by the row's compare-and-set, and the next read through the
// same store is fresh (not the cached record, which could otherwise stay for READ_CACHE_MS_MAX), so
// WebhooksService.update re-applies the edit to the disabled webhook instead of re-enabling it.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import { openPostgresStore } from "../../src/storage/postgres/pg-store";
import type { Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { publishOne, tenant } from "./fixtures";

let db: TestDatabase;
const opened: Store[] = [];
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await db?.close();
});

async function open(replicaId: string): Promise<Store> {
  const store = await openPostgresStore({
    url: db.url,
    schema: `cas_${process.pid}`,
    poolMax: 3,
    logger: silentLogger,
    replicaId,
  });
  opened.push(store);
  return store;
}

test("another replica's disable makes a cached read stale; the read after that is fresh", async () => {
  const a = await open("a");
  const b = await open("b");
  const t = await tenant(a);
  const { delivery } = await publishOne(a, t);
  const read = await a.webhooks.get(t.account.id, t.webhook.id);
  if (!read) throw new Error("no webhook");
  expect(await b.webhooks.disable(read.id, "gone", read.updated_at + 5)).toBeDefined();
  // Replica a's cache may still show it enabled; its compare-and-set sees the row.
  const edit = { ...read, description: "renamed", updated_at: read.updated_at + 10 };
  expect(await a.webhooks.update(edit, read)).toBe("stale");
  const fresh = await a.webhooks.get(t.account.id, read.id);
  expect(fresh).toMatchObject({ enabled: false, disabled_reason: "gone" });
  if (!fresh) return;
  const again = { ...fresh, description: "renamed", updated_at: fresh.updated_at + 1 };
  expect(await a.webhooks.update(again, fresh)).toBe(true);
  expect(await b.webhooks.getById(read.id)).toMatchObject({ enabled: false, description: "renamed" });
  expect((await b.deliveries.getById(delivery.id))?.status).toBe("cancelled");
});
