import { describe, expect, test } from "bun:test";
import { silentLogger } from "../../test/support/silent-logger";
import type { ApiKeyRecord, KeyUse } from "../storage/records";
import type { Store } from "../storage/store";
import { KeyUsage, PENDING_KEYS_MAX } from "./key-usage";

const key = (id: string): ApiKeyRecord => ({
  id,
  account_id: "acct_a",
  hash: "h",
  prefix: "ik_x",
  created_at: 0,
  revoked_at: null,
});

/** A store whose recordUse records each write and fails while `failing`. */
function fakeStore() {
  const writes: KeyUse[][] = [];
  const state = { failing: false, gate: Promise.resolve() };
  const store = {
    apiKeys: {
      async recordUse(uses: readonly KeyUse[]) {
        await state.gate;
        if (state.failing) throw new Error("store unavailable");
        writes.push([...uses]);
      },
    },
  } as unknown as Store;
  return { store, writes, state };
}

describe("KeyUsage", () => {
  test("notes cost no write; a flush writes each key's newest use once, in one write", async () => {
    const { store, writes } = fakeStore();
    let now = 1_000;
    const usage = new KeyUsage({ store, now: () => now, logger: silentLogger });
    usage.note(key("key_a"));
    now = 2_000;
    usage.note(key("key_a"));
    usage.note(key("key_b"));
    expect(writes).toEqual([]);
    expect(usage.lastUsed("key_a")).toBe(2_000);
    await usage.flush();
    expect(writes).toEqual([
      [
        { account_id: "acct_a", id: "key_a", at: 2_000 },
        { account_id: "acct_a", id: "key_b", at: 2_000 },
      ],
    ]);
    expect(usage.lastUsed("key_a")).toBeUndefined();
    await usage.flush();
    expect(writes).toHaveLength(1);
  });

  test("a use shows in lastUsed while its write is under way; concurrent flushes share one write", async () => {
    const { store, writes, state } = fakeStore();
    let open = () => {};
    state.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const usage = new KeyUsage({ store, now: () => 5, logger: silentLogger });
    usage.note(key("key_a"));
    const first = usage.flush();
    const second = usage.flush();
    expect(usage.lastUsed("key_a")).toBe(5);
    open();
    await Promise.all([first, second]);
    expect(writes).toHaveLength(1);
  });

  test("a failed flush keeps its uses for the next one, unless a newer use was noted", async () => {
    const { store, writes, state } = fakeStore();
    let now = 10;
    const usage = new KeyUsage({ store, now: () => now, logger: silentLogger });
    usage.note(key("key_a"));
    usage.note(key("key_b"));
    state.failing = true;
    await usage.flush();
    now = 20;
    usage.note(key("key_b"));
    state.failing = false;
    await usage.flush();
    expect(writes).toHaveLength(1);
    expect([...(writes[0] ?? [])].sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { account_id: "acct_a", id: "key_a", at: 10 },
      { account_id: "acct_a", id: "key_b", at: 20 },
    ]);
  });

  test("at most PENDING_KEYS_MAX keys wait; known keys still update; stop() flushes", async () => {
    const { store, writes } = fakeStore();
    let now = 1;
    const usage = new KeyUsage({ store, now: () => now, logger: silentLogger });
    for (let i = 0; i < PENDING_KEYS_MAX + 5; i++) usage.note(key(`key_${i}`));
    now = 2;
    usage.note(key("key_0"));
    usage.start();
    await usage.stop();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(PENDING_KEYS_MAX);
    expect(writes[0]?.[0]).toEqual({ account_id: "acct_a", id: "key_0", at: 2 });
    expect(writes[0]?.some((u) => u.id === `key_${PENDING_KEYS_MAX}`)).toBe(false);
  });
});
