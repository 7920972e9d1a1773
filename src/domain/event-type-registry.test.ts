import { describe, expect, spyOn, test } from "bun:test";
import type { EventTypeRecord } from "../storage/records";
import type { EventTypeRepository } from "../storage/store";
import { eventCatalog } from "./event-catalog";
import { EventTypeRegistry } from "./event-type-registry";
import * as schemas from "./event-type-schema";

/** The store as another replica may change it: only list() is read by the registry. */
function fakeTypes(records: EventTypeRecord[]) {
  const calls = { list: 0, fail: false };
  const repo = {
    list: async () => {
      calls.list++;
      if (calls.fail) throw new Error("database unavailable");
      return records.map((r) => structuredClone(r));
    },
  } as unknown as EventTypeRepository;
  return { repo, calls };
}

const record = (revision: number, required: string): EventTypeRecord => ({
  name: "order.paid",
  description: "Paid.",
  schema: { type: "object", required: [required] },
  example: null,
  archived_at: null,
  revision,
  created_at: 1,
  updated_at: 1,
});

function setup(records: EventTypeRecord[]) {
  const clock = { now: 0 };
  const { repo, calls } = fakeTypes(records);
  const registry = new EventTypeRegistry({
    store: { eventTypes: repo },
    builtIn: eventCatalog,
    maxAgeMs: 1_000,
    clock: () => clock.now,
  });
  return { registry, clock, calls };
}

describe("EventTypeRegistry", () => {
  test("merges the operator's types after the built-in ones; concurrent callers share one load", async () => {
    const { registry, calls } = setup([record(1, "a")]);
    const [one, two] = await Promise.all([registry.current(), registry.current()]);
    expect(one).toBe(two);
    expect(calls.list).toBe(1);
    expect(one.types()).toEqual([...eventCatalog.types(), "order.paid"]);
    expect(one.validate("order.paid", {})).toEqual([{ field: "/data/a", reason: "is required" }]);
  });

  test("another writer's change is seen once the catalog is maxAgeMs old, not before", async () => {
    const records = [record(1, "a")];
    const { registry, clock, calls } = setup(records);
    await registry.current();
    records[0] = record(2, "b");
    clock.now = 999;
    expect((await registry.current()).validate("order.paid", { a: 1 })).toEqual([]);
    expect(calls.list).toBe(1);
    clock.now = 1_000;
    expect((await registry.current()).validate("order.paid", { a: 1 })).toEqual([
      { field: "/data/b", reason: "is required" },
    ]);
    expect(calls.list).toBe(2);
  });

  test("changed() makes the next call read the store at once", async () => {
    const records = [record(1, "a")];
    const { registry, calls } = setup(records);
    await registry.current();
    records.push({ ...record(1, "x"), name: "order.new" });
    registry.changed();
    expect((await registry.current()).has("order.new")).toBe(true);
    expect(calls.list).toBe(2);
  });

  test("a schema is compiled once per revision: reloads of an unchanged type compile nothing", async () => {
    const compile = spyOn(schemas, "compileDataSchema");
    try {
      const records = [record(1, "a")];
      const { registry, clock } = setup(records);
      await registry.current();
      expect(compile).toHaveBeenCalledTimes(1);
      clock.now = 5_000;
      await registry.current();
      expect(compile).toHaveBeenCalledTimes(1);
      records[0] = record(2, "c");
      clock.now = 10_000;
      expect((await registry.current()).validate("order.paid", {})).toEqual([
        { field: "/data/c", reason: "is required" },
      ]);
      expect(compile).toHaveBeenCalledTimes(2);
    } finally {
      compile.mockRestore();
    }
  });

  test("a failed load is not kept: the next call tries again", async () => {
    const { registry, calls } = setup([record(1, "a")]);
    calls.fail = true;
    await expect(registry.current()).rejects.toThrow("database unavailable");
    calls.fail = false;
    expect((await registry.current()).has("order.paid")).toBe(true);
  });

  test("while the store fails, the last catalog is answered and the store tried again after maxAgeMs", async () => {
    const { registry, clock, calls } = setup([record(1, "a")]);
    const loaded = await registry.current();
    calls.fail = true;
    clock.now = 1_000;
    expect(await registry.current()).toBe(loaded);
    expect(await registry.current()).toBe(loaded);
    expect(calls.list).toBe(2);
    clock.now = 2_000;
    expect(await registry.current()).toBe(loaded);
    expect(calls.list).toBe(3);
    // After this process's own change the old catalog is not answered in its place.
    registry.changed();
    await expect(registry.current()).rejects.toThrow("database unavailable");
  });

  test("an archived type is known but takes no events", async () => {
    const { registry } = setup([{ ...record(2, "a"), archived_at: 5 }]);
    const catalog = await registry.current();
    expect(catalog.has("order.paid")).toBe(false);
    expect(catalog.get("order.paid")?.defined?.archived_at).toBe(5);
    expect(catalog.validate("order.paid", { a: 1 })[0]?.reason).toContain("archived");
  });
});
