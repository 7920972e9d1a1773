import { describe, expect, test } from "bun:test";
import { LeaseTable, SWEEP_GRACE_MS } from "./leases";

describe("LeaseTable", () => {
  test("tokens only grow and never repeat, also when a staged grant is dropped", () => {
    const table = new LeaseTable(100);
    const a = table.grant("d1", "r1", 10).token;
    const b = table.stageGrant("d1", "r1", 10).token;
    table.settle(false, 0);
    const c = table.grant("d1", "r2", 10).token;
    const d = table.stageGrant("d2", "r1", 10).token;
    table.settle(true, 0);
    expect([a, b, c, d]).toEqual([100, 101, 102, 103]);
    expect(new LeaseTable().grant("x", "r", 1).token).toBeGreaterThan(Date.now() * 999);
  });

  test("staged changes are seen at once by current() and applied only when committed", () => {
    const table = new LeaseTable(1);
    table.grant("d1", "r1", 50);
    table.stageEnd("d1");
    table.stageGrant("d2", "r1", 60);
    expect(table.current("d1")).toBeUndefined();
    expect(table.current("d2")?.expiresAt).toBe(60);
    table.settle(false, 0);
    expect(table.current("d1")?.expiresAt).toBe(50);
    expect(table.current("d2")).toBeUndefined();
    table.stageEnd("d1");
    table.stageGrant("d2", "r1", 60);
    table.settle(true, 0);
    expect(table.current("d1")).toBeUndefined();
    expect(table.current("d2")?.owner).toBe("r1");
  });

  test("a lease is live until, not at, its end", () => {
    const table = new LeaseTable(1);
    table.grant("d1", "r1", 50);
    expect(table.isLive("d1", 49)).toBe(true);
    expect(table.isLive("d1", 50)).toBe(false);
    expect(table.isLive("d2", 0)).toBe(false);
  });

  test("extend and end act only for the same owner and token", () => {
    const table = new LeaseTable(1);
    const { token } = table.grant("d1", "r1", 50);
    expect(table.extend("d1", "r2", token, 90)).toBe(false);
    expect(table.extend("d1", "r1", token + 1, 90)).toBe(false);
    expect(table.extend("d1", "r1", token, 90)).toBe(true);
    expect(table.current("d1")?.expiresAt).toBe(90);
    table.end("d1", "r2", token);
    table.end("d1", "r1", token + 1);
    expect(table.current("d1")).toBeDefined();
    table.end("d1", "r1", token);
    expect(table.current("d1")).toBeUndefined();
  });

  test("entries expired for longer than the grace are swept, so the table stays bounded", () => {
    const table = new LeaseTable(1);
    let now = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 1_000; i++) table.grant(`r${round}-${i}`, "r1", now + 10);
      table.grant(`live-${round}`, "r1", Number.MAX_SAFE_INTEGER);
      now += SWEEP_GRACE_MS + 20;
      table.sweep(now);
      expect(table.size).toBeLessThan(2_100 + round);
    }
    for (let round = 0; round < 50; round++) expect(table.isLive(`live-${round}`, now)).toBe(true);
  });

  test("an expired entry stays within the grace, for its holder's late outcome", () => {
    const table = new LeaseTable(1);
    for (let i = 0; i < 2_000; i++) table.grant(`d${i}`, "r1", 10);
    table.sweep(10 + SWEEP_GRACE_MS - 1);
    expect(table.size).toBe(2_000);
    expect(table.current("d0")?.token).toBe(1);
    // The next sweep comes once the table has doubled.
    for (let i = 0; i < 2_000; i++) table.grant(`e${i}`, "r1", Number.MAX_SAFE_INTEGER);
    table.sweep(10 + SWEEP_GRACE_MS);
    expect(table.size).toBe(2_000);
    expect(table.current("d0")).toBeUndefined();
  });
});
