import { describe, expect, test } from "bun:test";
import { writeStatement } from "../../src/storage/postgres/write-statement";
import { roleCpuPerDelivery, writesOf } from "./postgres-counters";

describe("bench PostgreSQL counters", () => {
  test("writesOf tells the store's hot statements apart by what they write", () => {
    const s = '"inbox"';
    expect(writesOf(writeStatement(s, { publish: true, record: true }))).toBe(
      "INSERT events, INSERT deliveries, UPDATE deliveries, INSERT attempts",
    );
    expect(writesOf(writeStatement(s, { publish: false, record: true }))).toBe(
      "UPDATE deliveries, INSERT attempts",
    );
    expect(writesOf('SELECT * FROM "inbox".webhooks WHERE id = $1')).toBe("read");
    expect(
      writesOf(
        'WITH p AS (SELECT id FROM "inbox".deliveries d FOR UPDATE OF d SKIP LOCKED) UPDATE "inbox".deliveries d SET lease_seq = 1',
      ),
    ).toBe("UPDATE deliveries");
  });

  test("roleCpuPerDelivery: microseconds per delivery by role, roles under 1 µs left out", () => {
    const before = { backends: { user: 1, system: 0.5 }, walwriter: { user: 0, system: 0 } };
    const after = {
      backends: { user: 3, system: 1 },
      walwriter: { user: 0.000001, system: 0 },
      autovacuum: { user: 0.01, system: 0 },
    };
    expect(roleCpuPerDelivery(before, after, 10_000)).toEqual({
      backends: { user_us: 200, system_us: 50 },
      autovacuum: { user_us: 1, system_us: 0 },
    });
  });
});
