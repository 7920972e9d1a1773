// Conformance: the operator's event types (issue 11 item 4). Every store keeps a type as written
// (schema and example as JSON, any text in the description), lists them in name order, refuses a
// taken name (archived or not), replaces only an active type (raising its revision), archives once,
// and keeps all of it across a reopen.

import { describe, expect, test } from "bun:test";
import type { EventTypeRecord } from "../../src/storage/records";
import { T0 } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

function eventType(name: string, overrides: Partial<EventTypeRecord> = {}): EventTypeRecord {
  return {
    name,
    description: `The ${name} event.`,
    schema: {
      type: "object",
      required: ["id"],
      properties: { id: { type: "string", pattern: "^[a-z]+_\\d+$" }, tags: { type: "array" } },
    },
    example: { id: "ord_1", tags: ["a", { nested: [1, 2.5, null, true] }] },
    archived_at: null,
    revision: 1,
    created_at: T0,
    updated_at: T0,
    ...overrides,
  };
}

export function eventTypeSuites(name: string, open: OpenStore): void {
  describe(`${name} store: operator event types`, () => {
    const ctx = freshStorePerTest(open);

    test("created types are read back as written, listed in name order, and kept across a reopen", async () => {
      const types = ctx.store.eventTypes;
      expect(await types.list()).toEqual([]);
      const b = eventType("order.paid", { description: 'Paid ✓ "quoted" \u0000 \ud800 end', example: null });
      const a = eventType("invoice.issued", { schema: { type: "object", description: "\u0000 \ud800" } });
      expect(await types.create(b)).toBe(true);
      expect(await types.create(a)).toBe(true);
      expect(await types.get("order.paid")).toEqual(b);
      expect(await types.get("order.nope")).toBeUndefined();
      expect(await types.list()).toEqual([a, b]);
      const reopened = await ctx.reopen();
      if (reopened) expect(await reopened.eventTypes.list()).toEqual([a, b]);
    });

    test("a taken name is refused and nothing is written", async () => {
      const types = ctx.store.eventTypes;
      const first = eventType("order.paid");
      expect(await types.create(first)).toBe(true);
      expect(await types.create(eventType("order.paid", { description: "other" }))).toBe(false);
      expect(await types.get("order.paid")).toEqual(first);
      const results = await Promise.all([
        types.create(eventType("order.race", { description: "one" })),
        types.create(eventType("order.race", { description: "two" })),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    test("update replaces description, schema and example, raises the revision, never moves updated_at back", async () => {
      const types = ctx.store.eventTypes;
      await types.create(eventType("order.paid", { updated_at: T0 + 10 }));
      const change = { description: "Replaced.", schema: { type: "object" }, example: null };
      const updated = await types.update("order.paid", change, T0 + 5);
      expect(updated).toEqual({ ...eventType("order.paid"), ...change, revision: 2, updated_at: T0 + 10 });
      const again = await types.update("order.paid", { ...change, example: { x: 1 } }, T0 + 20);
      expect(again).toMatchObject({ revision: 3, updated_at: T0 + 20, example: { x: 1 } });
      expect(await types.get("order.paid")).toEqual(again as EventTypeRecord);
      expect(await types.update("order.nope", change, T0)).toBeUndefined();
    });

    test("archive sets archived_at once; an archived type is not updated and keeps its name", async () => {
      const types = ctx.store.eventTypes;
      await types.create(eventType("order.paid"));
      const archived = await types.archive("order.paid", T0 + 100);
      expect(archived).toEqual({
        ...eventType("order.paid"),
        archived_at: T0 + 100,
        revision: 2,
        updated_at: T0 + 100,
      });
      expect(await types.archive("order.paid", T0 + 200)).toEqual(archived as EventTypeRecord);
      expect(
        await types.update("order.paid", { description: "x", schema: {}, example: null }, T0 + 300),
      ).toBe("archived");
      expect(await types.create(eventType("order.paid"))).toBe(false);
      expect(await types.get("order.paid")).toEqual(archived as EventTypeRecord);
      expect(await types.list()).toEqual([archived as EventTypeRecord]);
      expect(await types.archive("order.nope", T0)).toBeUndefined();
      const reopened = await ctx.reopen();
      if (reopened) expect(await reopened.eventTypes.get("order.paid")).toEqual(archived as EventTypeRecord);
    });
  });
}
