import { describe, expect, test } from "bun:test";
import { rateTargets, throughputTargets } from "./targets";

const lmdb = { store: "lmdb" as const, replicas: 1, batch: 1, fanout: 1 };
const run = { ratio_to_raw: 0.3, deliveries_per_s: 4000, lost: 0, duplicates: 0 };

describe("bench targets: bytes per event (issue 13)", () => {
  test("an LMDB run with one webhook is held to 750 bytes per event", () => {
    const met = throughputTargets({ ...lmdb, ...run, data_bytes_per_event: 717 });
    expect(met.find((t) => t.name === "data_bytes_per_event")).toEqual({
      name: "data_bytes_per_event",
      bound: "<= 750",
      value: 717,
      met: true,
    });
    const missed = rateTargets({ ...lmdb, rate: 1000, p99_ms: 8, lost: 0, data_bytes_per_event: 1855 });
    expect(missed.find((t) => t.name === "data_bytes_per_event")?.met).toBe(false);
  });

  test("fan-out runs and PostgreSQL runs are not held to it", () => {
    const fanout = throughputTargets({ ...lmdb, fanout: 10, ...run, data_bytes_per_event: 2000 });
    const postgres = throughputTargets({ ...lmdb, store: "postgres", ...run, data_bytes_per_event: null });
    expect(fanout.some((t) => t.name === "data_bytes_per_event")).toBe(false);
    expect(postgres.some((t) => t.name === "data_bytes_per_event")).toBe(false);
  });
});
