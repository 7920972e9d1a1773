import { describe, expect, test } from "bun:test";
import { LeaseTable } from "./leases";

describe("LeaseTable", () => {
  test("tokens only grow and never repeat, also when a staged grant is dropped", () => {
    const table = new LeaseTable(100);
    const a = table.grant("d1", "r1", 10).token;
    const b = table.stageGrant("d1", "r1", 10).token;
    table.settle(false);
    const c = table.grant("d1", "r2", 10).token;
    const d = table.stageGrant("d2", "r1", 10).token;
    table.settle(true);
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
    table.settle(false);
    expect(table.current("d1")?.expiresAt).toBe(50);
    expect(table.current("d2")).toBeUndefined();
    table.stageEnd("d1");
    table.stageGrant("d2", "r1", 60);
    table.settle(true);
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

  test("expired entries are swept, so the table stays bounded by the live leases", () => {
    const table = new LeaseTable(1);
    let now = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 1_000; i++) table.grant(`r${round}-${i}`, "r1", now + 10);
      table.grant(`live-${round}`, "r1", 1_000_000);
      now += 20;
      table.sweep(now);
      expect(table.size).toBeLessThan(2_100 + round);
    }
    for (let round = 0; round < 50; round++) expect(table.isLive(`live-${round}`, now)).toBe(true);
  });
});
