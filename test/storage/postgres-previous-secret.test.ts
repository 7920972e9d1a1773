// Schema version 2 on a database at version 1: the webhooks table gains the previous-secret
// columns, and webhooks stored before read as "no previous secret" and rotate as any other.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { SQL } from "bun";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import { SCHEMA_VERSION } from "../../src/storage/postgres/migrations";
import { dropPostgresSchema, openPostgresStore } from "../../src/storage/postgres/pg-store";
import { silentLogger } from "../support/silent-logger";
import { account, T0, webhook } from "./fixtures";

let db: TestDatabase;
let admin: SQL;
beforeAll(async () => {
  db = await testDatabase();
  admin = new SQL({ url: db.url, max: 1 });
});
afterAll(async () => {
  await admin?.close();
  await db?.close();
});

const schema = `prev_secret_${process.pid}`;
const open = () =>
  openPostgresStore({ url: db.url, schema, poolMax: 2, logger: silentLogger, replicaId: "test" });

test("a version 1 webhook reads with no previous secret after migrating to version 2", async () => {
  expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
  // A schema as version 1 left it: the current one without version 2's columns and row.
  const first = await open();
  await first.close();
  await admin.unsafe(`ALTER TABLE "${schema}".webhooks DROP COLUMN previous_secret,
    DROP COLUMN previous_secret_expires_at`);
  await admin.unsafe(`DELETE FROM "${schema}".schema_migrations WHERE version >= 2`);
  const acct = account();
  const old = webhook(acct.id);
  await admin.unsafe(`INSERT INTO "${schema}".accounts (id, name, created_at) VALUES ($1, $2, $3)`, [
    acct.id,
    acct.name,
    acct.created_at,
  ]);
  await admin.unsafe(
    `INSERT INTO "${schema}".webhooks (id, account_id, url, events, description, enabled, secret, created_at,
       updated_at) VALUES ($1, $2, $3, ARRAY['*'], NULL, true, $4, $5, $5)`,
    [old.id, acct.id, old.url, old.secret, T0],
  );

  const store = await open();
  try {
    const versions = await admin.unsafe(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    expect(versions.map((r: { version: number }) => r.version)).toContain(2);
    const read = await store.webhooks.get(acct.id, old.id);
    expect(read).toEqual(old);
    expect(read?.previous_secret).toBeUndefined();
    const rotated = await store.webhooks.rotateSecret(acct.id, old.id, "whsec_new", T0 + 1_000, T0 + 1);
    expect(rotated?.previous_secret).toEqual({ secret: old.secret, expires_at: T0 + 1_000 });
    expect(await store.webhooks.getById(old.id)).toEqual(rotated);
  } finally {
    await store.close();
    await dropPostgresSchema(db.url, schema);
  }
});
