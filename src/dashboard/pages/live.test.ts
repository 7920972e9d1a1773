import { describe, expect, test } from "bun:test";
import { DELIVERIES_SHOWN_MAX } from "./event-view";
import { KNOWN_CHARS_MAX, parseKnown } from "./live";

describe("parseKnown", () => {
  test("reads each delivery's state; states may hold dashes and colons", () => {
    expect([...parseKnown("dlv_a:2-pending-1764781200000,dlv_b:1-succeeded-")]).toEqual([
      ["dlv_a", "2-pending-1764781200000"],
      ["dlv_b", "1-succeeded-"],
    ]);
  });

  test("nothing, malformed entries, or an overlong value are known as nothing (answered as new)", () => {
    expect(parseKnown(null).size).toBe(0);
    expect([...parseKnown("nocolon,:x,dlv_c:1")]).toEqual([["dlv_c", "1"]]);
    expect(parseKnown(`dlv_a:1${"x".repeat(KNOWN_CHARS_MAX)}`).size).toBe(0);
  });

  test("at most DELIVERIES_SHOWN_MAX entries are read", () => {
    const many = Array.from({ length: DELIVERIES_SHOWN_MAX + 5 }, (_, i) => `d${i}:1`).join(",");
    expect(parseKnown(many).size).toBe(DELIVERIES_SHOWN_MAX);
  });
});
