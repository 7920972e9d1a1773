import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authenticateKey, hashApiKey } from "../../src/domain/api-keys";
import { bootstrapAccess } from "../../src/domain/bootstrap";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import type { Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { testConfig } from "./harness";

const dirs: string[] = [];
const open: Store[] = [];
async function openStore(dir?: string) {
  const d = dir ?? mkdtempSync(join(tmpdir(), "inbox-boot-"));
  if (!dir) dirs.push(d);
  const store = await openLmdbStore({ dataDir: d, logger: silentLogger });
  open.push(store);
  return { store, dir: d };
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function accountCount(store: Store): Promise<number> {
  return (await store.accounts.list({ limit: 100 })).data.length;
}

describe("bootstrapAccess", () => {
  test("of several starts at once on one empty store, exactly one prints the keys", async () => {
    const { store } = await openStore();
    const config = testConfig({ adminKey: undefined });
    const results = await Promise.all(
      [1, 2, 3].map((i) => bootstrapAccess(store, config, 1_700_000_000_000 + i)),
    );
    const admins = results.filter((r) => r.printedAdminKey !== undefined);
    const accounts = results.filter((r) => r.defaultAccount !== undefined);
    expect(admins).toHaveLength(1);
    expect(accounts).toHaveLength(1);
    // The key printed is the one that works; the others' generated keys were never stored.
    expect(await authenticateKey(store, admins[0]?.printedAdminKey as string)).toEqual({ kind: "admin" });
    expect(await authenticateKey(store, accounts[0]?.defaultAccount?.apiKey as string)).toMatchObject({
      kind: "account",
    });
    expect(await accountCount(store)).toBe(1);
  });

  test("first start without an admin key generates one and a default account, once", async () => {
    const { store, dir } = await openStore();
    const config = testConfig({ adminKey: undefined });
    const first = await bootstrapAccess(store, config, 1_700_000_000_000);
    expect(first.printedAdminKey).toMatch(/^ik_admin_/);
    expect(first.defaultAccount?.id).toMatch(/^acct_/);
    expect(first.defaultAccount?.apiKey).toMatch(/^ik_/);
    expect(await authenticateKey(store, first.printedAdminKey!)).toEqual({ kind: "admin" });
    expect(await authenticateKey(store, first.defaultAccount!.apiKey)).toMatchObject({
      kind: "account",
      accountId: first.defaultAccount!.id,
    });
    expect((await store.accounts.get(first.defaultAccount!.id))?.name).toBe("default");
    // Only the hash is stored.
    expect(await store.meta.get("admin_key_hash")).toBe(hashApiKey(first.printedAdminKey!));

    await store.close();
    open.length = 0;
    const { store: again } = await openStore(dir);
    const second = await bootstrapAccess(again, config, 1_700_000_100_000);
    expect(second).toEqual({});
    expect(await authenticateKey(again, first.printedAdminKey!)).toEqual({ kind: "admin" });
    expect(await accountCount(again)).toBe(1);
  });

  test("a configured admin key wins, also when it changes between starts", async () => {
    const { store } = await openStore();
    const one = await bootstrapAccess(store, testConfig({ adminKey: "first-admin-key-abcdefghijklmnop" }), 1);
    expect(one.printedAdminKey).toBeUndefined();
    expect(await authenticateKey(store, "first-admin-key-abcdefghijklmnop")).toEqual({ kind: "admin" });
    await bootstrapAccess(store, testConfig({ adminKey: "second-admin-key-abcdefghijklmnop" }), 2);
    expect(await authenticateKey(store, "first-admin-key-abcdefghijklmnop")).toBeUndefined();
    expect(await authenticateKey(store, "second-admin-key-abcdefghijklmnop")).toEqual({ kind: "admin" });
  });

  test("the default account is not re-created after every account was deleted", async () => {
    const { store } = await openStore();
    const first = await bootstrapAccess(store, testConfig(), 1);
    await store.accounts.delete(first.defaultAccount!.id);
    const second = await bootstrapAccess(store, testConfig(), 2);
    expect(second.defaultAccount).toBeUndefined();
    expect(await accountCount(store)).toBe(0);
  });

  test("wrong or empty keys do not authenticate", async () => {
    const { store } = await openStore();
    await bootstrapAccess(store, testConfig(), 1);
    expect(await authenticateKey(store, "")).toBeUndefined();
    expect(await authenticateKey(store, "ik_unknown")).toBeUndefined();
  });
});
