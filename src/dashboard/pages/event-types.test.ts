import { describe, expect, test } from "bun:test";
import type { EventTypeDefinition } from "../../domain/event-catalog";
import { eventTypeBody, eventTypesBody, typeKind } from "./event-types";

const builtIn: EventTypeDefinition = {
  type: "message.delivered",
  description: "A message <was> delivered",
  schema: { type: "object", properties: { to: { type: "string" } } },
  example: {
    id: "evt_1",
    type: "message.delivered",
    created_at: "2026-12-03T17:00:00Z",
    data: { to: "+4411" },
  },
};
const archived: EventTypeDefinition = {
  type: "order.paid",
  description: "An order was paid",
  schema: { type: "object" },
  example: null,
  defined: {
    archived_at: Date.UTC(2026, 11, 2),
    created_at: Date.UTC(2026, 11, 1),
    updated_at: Date.UTC(2026, 11, 2),
  },
};
const operational: EventTypeDefinition = { ...builtIn, type: "webhook.disabled", operator_only: true };

describe("event types pages", () => {
  test("the catalog lists built-in and operator types, archived ones marked; operational ones for the operator only", () => {
    const account = eventTypesBody([builtIn, archived, operational], false).text;
    expect(account).toContain("<h1>Event types</h1>");
    expect(account).toContain('href="/dashboard/event-types/message.delivered"');
    expect(account).toContain('<tr class="archived">');
    expect(account).toContain("Operator&#39;s, archived");
    expect(account).toContain("A message &lt;was&gt; delivered");
    expect(account).not.toContain("webhook.disabled");
    expect(eventTypesBody([builtIn, operational], true).text).toContain("webhook.disabled");
  });

  test("a type's page shows its schema and example as indented JSON, escaped", () => {
    const out = eventTypeBody(builtIn).text;
    expect(out).toContain(
      `<pre class="json" tabindex="0" role="region" aria-label="Schema as JSON">{\n  &quot;type&quot;: &quot;object&quot;`,
    );
    expect(out).toContain("&quot;to&quot;: &quot;+4411&quot;");
    expect(eventTypeBody(archived).text).toContain("No example was registered");
    expect(eventTypeBody(archived).text).toContain("<dt>Archived</dt><dd>2026-12-02 00:00:00 UTC");
  });

  test("kinds in words", () => {
    expect([builtIn, archived, operational].map(typeKind)).toEqual([
      "Built-in",
      "Operator's, archived",
      "Operational (operator's endpoints only)",
    ]);
  });
});
