// PostgreSQL: recovery, publishing and manual retries racing a disable from another replica. Whatever
// the interleaving, no delivery of a disabled webhook is left pending, and nothing is lost.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import { dropPostgresSchema, openPostgresStore } from "../../src/storage/postgres/pg-store";
import type { WebhookRecord } from "../../src/storage/records";
import type { Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { event, item, T0, tenant, webhook } from "./fixtures";

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(() => db?.close());

let serial = 0;
let schema = "";
const opened: Store[] = [];

async function replicas(): Promise<[Store, Store]> {
  schema = `races_${process.pid}_${++serial}`;
  const open = (replicaId: string) =>
    openPostgresStore({ url: db.url, schema, poolMax: 4, logger: silentLogger, replicaId }).then((s) => {
      opened.push(s);
      return s;
    });
  const a = await open("a");
  return [a, await open("b")];
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  if (schema) await dropPostgresSchema(db.url, schema);
});

const ALL = { since: T0 - 1, until: T0 + 1_000_000 };

/** A webhook with `n` cancelled deliveries (published, then cancelled by a disable, then enabled again). */
async function cancelledBacklog(store: Store, accountId: string, n: number): Promise<WebhookRecord> {
  const wh = webhook(accountId);
  await store.webhooks.create(wh);
  await store.events.publish(
    Array.from({ length: n }, (_, i) => item(event(accountId, { created_at: T0 + i }), [wh.id], T0 + i)),
  );
  await store.webhooks.update({ ...wh, enabled: false, disabled_reason: "manual", disabled_at: T0 });
  await store.webhooks.update({ ...wh, enabled: true });
  return wh;
}

async function pendingOf(store: Store, accountId: string, webhookId: string): Promise<number> {
  const page = await store.deliveries.list(
    accountId,
    { webhook_id: webhookId, status: "pending" },
    { limit: 1000 },
  );
  return page.data.length;
}

describe("postgres store: races with a disable", () => {
  test("recover on one replica and disable on another never leave a disabled webhook's delivery pending", async () => {
    const [a, b] = await replicas();
    const t = await tenant(a);
    for (let round = 0; round < 15; round++) {
      const wh = await cancelledBacklog(a, t.account.id, 30);
      const [batch, disabled] = await Promise.all([
        a.deliveries.recover(t.account.id, wh.id, ALL, { limit: 100, due: T0 }),
        b.webhooks.disable(wh.id, "failing", T0 + 5),
      ]);
      expect(disabled?.enabled).toBe(false);
      expect(await pendingOf(a, t.account.id, wh.id)).toBe(0);
      const recovered = batch.kind === "recovered" ? batch.deliveries.length : 0;
      expect([0, 30]).toContain(recovered);
    }
  });

  test("publish on one replica and disable on another never leave a disabled webhook's delivery pending", async () => {
    const [a, b] = await replicas();
    const t = await tenant(a);
    for (let round = 0; round < 15; round++) {
      const wh = webhook(t.account.id);
      await a.webhooks.create(wh);
      const [published] = await Promise.all([
        a.events.publish(
          Array.from({ length: 20 }, (_, i) =>
            item(event(t.account.id, { created_at: T0 + i }), [wh.id], T0),
          ),
        ),
        b.webhooks.disable(wh.id, "gone", T0 + 5),
      ]);
      expect(published).toHaveLength(20);
      expect(await pendingOf(a, t.account.id, wh.id)).toBe(0);
    }
  });

  test("manual retries on one replica and disable on another never leave a disabled webhook's delivery pending", async () => {
    const [a, b] = await replicas();
    const t = await tenant(a);
    for (let round = 0; round < 15; round++) {
      const wh = await cancelledBacklog(a, t.account.id, 10);
      const ids = (await a.deliveries.list(t.account.id, { webhook_id: wh.id }, { limit: 100 })).data.map(
        (d) => d.id,
      );
      await Promise.all([
        ...ids.map((id) => a.deliveries.reschedule(t.account.id, id, T0)),
        b.webhooks.disable(wh.id, "failing", T0 + 5),
      ]);
      expect(await pendingOf(a, t.account.id, wh.id)).toBe(0);
    }
  });
});
