import { describe, expect, test } from "bun:test";
import { compileDataSchema, SCHEMA_BYTES_MAX } from "./event-type-schema";

const issuesOf = (schema: unknown) => {
  const r = compileDataSchema(schema);
  return "issues" in r ? r.issues : [];
};
const checkOf = (schema: unknown) => {
  const r = compileDataSchema(schema);
  if (!("check" in r)) throw new Error(JSON.stringify(r.issues));
  return r.check;
};

describe("compileDataSchema", () => {
  test("names the schema pointer of a meta-schema error", () => {
    const issues = issuesOf({
      type: "object",
      properties: { total: { type: "numbr" }, n: { minimum: "1" } },
    });
    expect(issues).toEqual([
      {
        field: "/schema/properties/total/type",
        reason:
          "not a valid JSON Schema: must be one of: array, boolean, integer, null, number, object, string",
      },
    ]);
    expect(issuesOf({ type: "object", properties: { n: { minimum: "1" } } })).toEqual([
      { field: "/schema/properties/n/minimum", reason: "not a valid JSON Schema: must be number" },
    ]);
  });

  test("refuses unknown keywords, unknown formats and remote $ref, saying where", () => {
    expect(issuesOf({ type: "object", properties: { a: { type: "string", maxLenght: 3 } } })).toEqual([
      {
        field: "/schema/properties/a/maxLenght",
        reason: 'not a valid JSON Schema: unknown keyword: "maxLenght"',
      },
    ]);
    expect(
      issuesOf({ type: "object", properties: { a: { type: "string", format: "colour" } } })[0]?.field,
    ).toBe("/schema/properties/a/format");
    const remote = issuesOf({ type: "object", properties: { a: { $ref: "https://example.com/a.json" } } });
    expect(remote[0]?.field).toBe("/schema/properties/a/$ref");
    expect(remote[0]?.reason).toContain("remote references are not fetched");
    const local = issuesOf({ type: "object", properties: { a: { $ref: "#/$defs/nope" } } });
    expect(local[0]).toEqual({
      field: "/schema/properties/a/$ref",
      reason: 'not a valid JSON Schema: $ref "#/$defs/nope" points to nothing in this schema',
    });
    const regex = issuesOf({ type: "object", properties: { a: { type: "string", pattern: "(" } } });
    expect(regex[0]?.field).toBe("/schema/properties/a/pattern");
    expect(regex[0]?.reason).toContain("regular expression");
  });

  test("bounds size and depth, wants an object schema of draft 2020-12", () => {
    const big = { type: "object", description: "x".repeat(SCHEMA_BYTES_MAX) };
    expect(issuesOf(big)[0]?.reason).toContain(`at most ${SCHEMA_BYTES_MAX}`);
    let deep: Record<string, unknown> = { type: "object" };
    for (let i = 0; i < 40; i++) deep = { type: "object", properties: { a: deep } };
    expect(issuesOf(deep)[0]?.reason).toContain("nests deeper");
    expect(issuesOf({ type: "string" })[0]?.field).toBe("/schema/type");
    expect(issuesOf([])[0]?.field).toBe("/schema");
    expect(issuesOf({ $schema: "http://json-schema.org/draft-07/schema#", type: "object" })[0]?.field).toBe(
      "/schema/$schema",
    );
  });

  test("checks data, naming the pointer of the bad value", () => {
    const check = checkOf({
      type: "object",
      required: ["order_id", "items"],
      additionalProperties: false,
      properties: {
        order_id: { type: "string", pattern: "^ord_" },
        status: { enum: ["new", "paid"] },
        email: { type: "string", format: "email" },
        items: {
          type: "array",
          items: { type: "object", required: ["sku"], properties: { sku: { type: "string" } } },
        },
        "a/b": { type: "integer" },
      },
      $defs: { unused: { type: "string" } },
    });
    expect(check({ order_id: "ord_1", items: [] })).toEqual([]);
    expect(check({ items: [] })).toEqual([{ field: "/data/order_id", reason: "is required" }]);
    expect(check({ order_id: "x", items: [] })[0]?.field).toBe("/data/order_id");
    expect(check({ order_id: "ord_1", items: [{}] })).toEqual([
      { field: "/data/items/0/sku", reason: "is required" },
    ]);
    expect(check({ order_id: "ord_1", items: [], status: "lost" })).toEqual([
      { field: "/data/status", reason: 'must be one of: "new", "paid"' },
    ]);
    expect(check({ order_id: "ord_1", items: [], email: "nope" })[0]).toEqual({
      field: "/data/email",
      reason: 'must match format "email"',
    });
    expect(check({ order_id: "ord_1", items: [], extra: 1 })[0]?.field).toBe("/data/extra");
    expect(check({ order_id: "ord_1", items: [], "a/b": "x" })[0]?.field).toBe("/data/a~1b");
  });

  test("a local $ref and the same $id compiled twice both work (nothing kept between compiles)", () => {
    const schema = {
      $id: "https://inbox.example/order",
      type: "object",
      properties: { a: { $ref: "#/$defs/id" } },
      $defs: { id: { type: "string" } },
    };
    expect(checkOf(schema)({ a: 1 })[0]?.field).toBe("/data/a");
    expect(checkOf(structuredClone(schema))({ a: "x" })).toEqual([]);
  });
});
