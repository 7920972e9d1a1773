import { describe, expect, test } from "bun:test";
import { ArrivalLog } from "./arrival-log";

describe("ArrivalLog", () => {
  test("keeps the first arrival per (webhook, event) and counts the rest as duplicates", () => {
    const log = new ArrivalLog();
    log.reset(2, 3);
    expect(log.record(0, "msg_2", 100)).toBe("first");
    expect(log.record(1, "msg_2", 105)).toBe("first");
    expect(log.record(0, "msg_2", 110)).toBe("duplicate");
    expect(log.record(1, "msg_0", 90)).toBe("first");
    expect(Array.from(log.arrivalTimes())).toEqual([0, 0, 100, 90, 0, 105]);
    expect(log.stats()).toMatchObject({
      unique: 3,
      duplicates: 1,
      unindexed: 0,
      first_arrival_ms: 90,
      last_arrival_ms: 105,
    });
  });

  test("message ids outside the indexed range are counted apart", () => {
    const log = new ArrivalLog();
    log.reset(1, 2);
    expect(log.record(0, "msg_2", 1)).toBe("unindexed");
    expect(log.record(0, "raw_1", 2)).toBe("unindexed");
    expect(log.record(0, 42, 3)).toBe("unindexed");
    expect(log.record(3, "msg_0", 4)).toBe("unindexed");
    expect(log.stats()).toMatchObject({
      unique: 0,
      unindexed: 4,
      last_unindexed_ms: 4,
      first_arrival_ms: null,
    });
  });

  test("reset forgets everything and refuses absurd sizes", () => {
    const log = new ArrivalLog();
    log.reset(1, 1);
    log.record(0, "msg_0", 5);
    log.reset(1, 1);
    expect(log.stats().unique).toBe(0);
    expect(log.record(0, "msg_0", 6)).toBe("first");
    expect(() => log.reset(100, 1_000_000)).toThrow(RangeError);
  });
});
