import { describe, expect, test } from "bun:test";
import { idempotencyIssue, sameJson } from "./idempotency";

describe("sameJson", () => {
  test("ignores key order, keeps array order and types", () => {
    expect(sameJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameJson({ a: 1 }, { a: "1" })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(sameJson({ a: null }, { b: null })).toBe(false);
    expect(sameJson([], {})).toBe(false);
    expect(sameJson(JSON.parse('{"n": 1.0}'), { n: 1 })).toBe(true);
  });
});

describe("idempotencyIssue", () => {
  const stored = { type: "a.b", data: { x: 1 } };
  test("names the type first, then the data", () => {
    expect(idempotencyIssue(stored, { type: "a.c", data: { x: 2 } }, "/events/2")?.field).toBe(
      "/events/2/type",
    );
    expect(idempotencyIssue(stored, { type: "a.b", data: { x: 2 } }, "")?.field).toBe("/data");
    expect(idempotencyIssue(stored, { type: "a.b", data: { x: 1 } }, "")).toBeUndefined();
  });
});
