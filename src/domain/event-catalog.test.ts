import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { EventCatalog, type EventTypeDefinition, eventCatalog } from "./event-catalog";

describe("eventCatalog", () => {
  test("knows the four documented types, in the docs' order", () => {
    expect(eventCatalog.types()).toEqual([
      "message.delivered",
      "message.read",
      "message.failed",
      "message.action",
    ]);
  });

  test("every docs example fits its own schema, and sample() is that data, copied", () => {
    for (const type of eventCatalog.types()) {
      const def = eventCatalog.get(type)!;
      expect(def.example.type).toBe(type);
      expect(eventCatalog.validate(type, def.example.data)).toEqual([]);
      const sample = eventCatalog.sample(type)!;
      expect(sample).toEqual(def.example.data);
      sample.message_id = "changed";
      expect(eventCatalog.sample(type)!.message_id).toBe("msg_1234567890");
    }
  });

  test("names each offending field under /data", () => {
    const data = { ...eventCatalog.sample("message.failed")!, failed_at: "2025-01-15 10:30", error_code: 7 };
    delete (data as Record<string, unknown>).to;
    expect(eventCatalog.validate("message.failed", data)).toEqual([
      { field: "/data/to", reason: "is required" },
      { field: "/data/error_code", reason: "must be a string" },
      { field: "/data/failed_at", reason: "must be an RFC 3339 date-time such as 2025-01-15T10:25:03Z" },
    ]);
    expect(eventCatalog.validate("message.read", "text")).toEqual([
      { field: "/data", reason: "must be a JSON object" },
    ]);
  });

  test("date-times accept offsets and fractions, reject loose formats", () => {
    const base = eventCatalog.sample("message.read")!;
    for (const ok of ["2025-01-15T10:25:15Z", "2025-01-15T10:25:15.123Z", "2025-01-15T11:25:15+01:00"]) {
      expect(eventCatalog.validate("message.read", { ...base, read_at: ok })).toEqual([]);
    }
    for (const bad of ["2025-01-15", "Wed, 15 Jan 2025 10:25:15 GMT", "2025-01-15T10:25Z", "1736936715"]) {
      expect(eventCatalog.validate("message.read", { ...base, read_at: bad })).toHaveLength(1);
    }
  });

  test("extra fields are allowed (the platform may grow payloads); custom_data is optional", () => {
    expect(
      eventCatalog.validate("message.delivered", {
        ...eventCatalog.sample("message.delivered"),
        carrier: "x",
      }),
    ).toEqual([]);
    const action = eventCatalog.sample("message.action")!;
    expect(eventCatalog.validate("message.action", { ...action, action_data: { button_id: "b" } })).toEqual(
      [],
    );
  });

  test("unknown types are reported with the known ones", () => {
    const issues = eventCatalog.validate("message.exploded", {});
    expect(issues[0]?.field).toBe("/type");
    expect(issues[0]?.reason).toContain("message.read");
    expect(eventCatalog.sample("message.exploded")).toBeUndefined();
  });

  test("types can be registered with a TypeBox schema", () => {
    const catalog = new EventCatalog<EventTypeDefinition>([]);
    catalog.register({
      type: "contact.created",
      description: "A contact was created.",
      schema: Type.Object({ contact_id: Type.String() }),
      example: {
        id: "evt_1",
        type: "contact.created",
        created_at: "2025-01-15T10:25:03Z",
        data: { contact_id: "c_1" },
      },
    });
    expect(catalog.types()).toEqual(["contact.created"]);
    expect(catalog.validate("contact.created", { contact_id: "c_2" })).toEqual([]);
    expect(catalog.validate("contact.created", {})).toEqual([
      { field: "/data/contact_id", reason: "is required" },
    ]);
  });

  test("withTypes adds checked types; an archived one is known but neither has() nor listed", () => {
    const at = { created_at: 1, updated_at: 1 };
    const catalog = eventCatalog.withTypes([
      {
        definition: {
          type: "order.created",
          description: "An order.",
          schema: {},
          example: null,
          defined: { ...at, archived_at: null },
        },
        check: (data) =>
          (data as { id?: unknown }).id ? [] : [{ field: "/data/id", reason: "is required" }],
      },
      {
        definition: {
          type: "order.gone",
          description: "Old.",
          schema: {},
          example: null,
          defined: { ...at, archived_at: 2 },
        },
        check: () => [],
      },
    ]);
    expect(catalog.types()).toEqual([...eventCatalog.types(), "order.created"]);
    expect(catalog.list(true).map((d) => d.type)).toEqual([
      ...eventCatalog.types(),
      "order.created",
      "order.gone",
    ]);
    expect(catalog.validate("order.created", {})).toEqual([{ field: "/data/id", reason: "is required" }]);
    expect(catalog.has("order.gone")).toBe(false);
    expect(catalog.get("order.gone")?.type).toBe("order.gone");
    expect(catalog.validate("order.gone", {})).toEqual([
      { field: "/type", reason: catalog.refusal("order.gone") },
    ]);
    expect(catalog.refusal("order.gone")).toContain("archived");
    expect(catalog.sample("order.created")).toBeUndefined();
    expect(eventCatalog.has("order.created")).toBe(false);
  });
});
