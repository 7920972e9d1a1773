// Conformance: the first start happens once. Several replicas starting on one empty store claim the
// admin key and create the first account at the same moment; exactly one of them wins each.

import { describe, expect, test } from "bun:test";
import { account, apiKey, tenant } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

const MARKER = "bootstrapped_at";

export function bootstrapSuites(name: string, open: OpenStore): void {
  describe(`${name} store: first start`, () => {
    const ctx = freshStorePerTest(open);

    test("claim stores a value only when the key is absent: of racing claims exactly one wins", async () => {
      const values = ["a", "b", "c", "d", "e"];
      const won = await Promise.all(values.map((value) => ctx.store.meta.claim("admin_key_hash", value)));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await ctx.store.meta.get("admin_key_hash")).toBe(values[won.indexOf(true)] ?? "");
      expect(await ctx.store.meta.claim("admin_key_hash", "f")).toBe(false);
      expect(await ctx.store.meta.claim("other", "x")).toBe(true);
      // set still overwrites, and a claim never does.
      await ctx.store.meta.set("admin_key_hash", "g");
      expect(await ctx.store.meta.claim("admin_key_hash", "h")).toBe(false);
      expect(await ctx.store.meta.get("admin_key_hash")).toBe("g");
    });

    test("createFirst: of racing first starts exactly one creates its account and key", async () => {
      const starts = Array.from({ length: 4 }, (_, i) => {
        const acct = account({ name: "default" });
        return { acct, key: apiKey(acct.id), marker: { key: MARKER, value: String(i) } };
      });
      const won = await Promise.all(
        starts.map((s) => ctx.store.accounts.createFirst(s.acct, s.key, s.marker)),
      );
      expect(won.filter(Boolean)).toHaveLength(1);
      const winner = starts[won.indexOf(true)] ?? fail();
      expect((await ctx.store.accounts.list({ limit: 10 })).data).toEqual([winner.acct]);
      expect(await ctx.store.apiKeys.findActiveByHash(winner.key.hash)).toEqual(winner.key);
      for (const s of starts.filter((s) => s !== winner)) {
        expect(await ctx.store.accounts.get(s.acct.id)).toBeUndefined();
        expect(await ctx.store.apiKeys.findActiveByHash(s.key.hash)).toBeUndefined();
      }
      expect(await ctx.store.meta.get(MARKER)).toBe(winner.marker.value);
      const late = account();
      expect(await ctx.store.accounts.createFirst(late, apiKey(late.id), { key: MARKER, value: "9" })).toBe(
        false,
      );
      expect(await ctx.store.accounts.get(late.id)).toBeUndefined();
    });

    test("createFirst on a store that already has accounts sets the marker and creates nothing", async () => {
      const existing = await tenant(ctx.store);
      const acct = account();
      expect(await ctx.store.accounts.createFirst(acct, apiKey(acct.id), { key: MARKER, value: "1" })).toBe(
        false,
      );
      expect(await ctx.store.meta.get(MARKER)).toBe("1");
      expect((await ctx.store.accounts.list({ limit: 10 })).data).toEqual([existing.account]);
    });

    test("createFirst with the marker already set creates nothing, even on an empty store", async () => {
      await ctx.store.meta.set(MARKER, "0");
      const acct = account();
      expect(await ctx.store.accounts.createFirst(acct, apiKey(acct.id), { key: MARKER, value: "1" })).toBe(
        false,
      );
      expect(await ctx.store.meta.get(MARKER)).toBe("0");
      expect((await ctx.store.accounts.list({ limit: 10 })).data).toEqual([]);
    });
  });
}

function fail(): never {
  throw new Error("no winner");
}
