// The served OpenAPI document is fit for client generation (issue 11 item 7): it validates with a
// maintained validator, every operation has a stable, hand-named operationId and a tag, every
// parameter a description, integer parameters are integers, errors have examples that fit the
// operation, and `servers` names the origin it was requested at.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { OPERATION_IDS } from "../../src/http/client-generation-in-spec";
import { createHarness, type Harness, servedSpec } from "./harness";

let h: Harness;
// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is arbitrary JSON
let spec: any;
beforeAll(async () => {
  h = await createHarness();
  spec = await servedSpec(h);
});
afterAll(async () => {
  await h.close();
});

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI operations are arbitrary JSON
function operations(): { key: string; path: string; op: any }[] {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const out: { key: string; path: string; op: any }[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: as above
  for (const [path, item] of Object.entries(spec.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) out.push({ key: `${method} ${path}`, path, op });
  }
  return out;
}

/** Every JSON error response's example code, by operation and status. */
function errorExampleCodes(): { key: string; status: string; code: unknown }[] {
  // /health's 503 answers the health report, not an error.
  return operations()
    .filter(({ key }) => key.startsWith("get /health") === false)
    .flatMap(({ key, op }) =>
      // biome-ignore lint/suspicious/noExplicitAny: as above
      (Object.entries(op.responses ?? {}) as [string, any][])
        .filter(([status, response]) => /^[45]/.test(status) && response.content?.["application/json"])
        .map(([status, response]) => {
          const media = response.content["application/json"];
          const example =
            media.example ?? (Object.values(media.examples ?? {})[0] as { value?: Example })?.value;
          return { key, status, code: example?.error?.code };
        }),
    );
}

type Example = { error: { code: string; message: string } };

describe("OpenAPI document for client generation", () => {
  test("validates with @apidevtools/swagger-parser", async () => {
    const copy = structuredClone(spec);
    await expect(SwaggerParser.validate(copy)).resolves.toBeDefined();
  });

  test("every operation has a hand-named, unique operationId and a described tag", () => {
    const ids = new Set<string>();
    const tags = new Map<string, string>(
      (spec.tags as { name: string; description?: string }[]).map((t) => [t.name, t.description ?? ""]),
    );
    for (const { key, op } of operations()) {
      expect({ key, id: op.operationId }).toEqual({ key, id: OPERATION_IDS[key.replace(/(.)\/$/, "$1")] });
      expect(op.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.operationId).not.toMatch(/V1|By[A-Z]/);
      expect(ids.has(op.operationId)).toBe(false);
      ids.add(op.operationId);
      expect(op.tags?.length).toBeGreaterThan(0);
      for (const tag of op.tags)
        expect({ key, tag, described: (tags.get(tag) ?? "").length > 0 }).toEqual({
          key,
          tag,
          described: true,
        });
    }
    expect(ids.has("listWebhooks")).toBe(true);
    expect(ids.has("publishEvent")).toBe(true);
    expect(ids.has("listWebhookLogs")).toBe(true);
  });

  test("every parameter has a description; limit is an integer", () => {
    for (const { key, op } of operations()) {
      for (const p of op.parameters ?? []) {
        expect({
          key,
          name: p.name,
          described: typeof p.description === "string" && p.description.length > 0,
        }).toEqual({
          key,
          name: p.name,
          described: true,
        });
        if (p.name === "limit") {
          expect(p.schema.type).toBe("integer");
          expect(p.schema.anyOf).toBeUndefined();
        }
      }
    }
  });

  test("counts are integers, never string | integer (Elysia's numeric strings)", () => {
    const text = JSON.stringify(spec);
    expect(text).not.toMatch(/"format":"(integer|numeric)"/);
    const attempt = spec.components.schemas.Attempt.properties;
    expect(attempt.attempt.type).toBe("integer");
    expect(attempt.attempt.description).toBe("1-based attempt number.");
    expect(attempt.status_code.anyOf.map((s: { type: string }) => s.type).sort()).toEqual([
      "integer",
      "null",
    ]);
    expect(spec.components.schemas.WebhookStats.properties.succeeded.type).toBe("integer");
  });

  test("servers names the origin the document was requested at", () => {
    expect(spec.servers).toEqual([{ url: "http://localhost", description: expect.any(String) }]);
  });

  test("servers follows X-Forwarded-Proto and X-Forwarded-Host, ignoring malformed ones", async () => {
    const served = async (headers: Record<string, string>) =>
      (await h.call("GET", "/swagger/json", { key: null, headers })).json.servers[0].url;
    expect(await served({ "x-forwarded-proto": "https", "x-forwarded-host": "hooks.example.com" })).toBe(
      "https://hooks.example.com",
    );
    expect(
      await served({ "x-forwarded-proto": "https, http", "x-forwarded-host": "api.example.com:8443" }),
    ).toBe("https://api.example.com:8443");
    expect(await served({ "x-forwarded-proto": "gopher", "x-forwarded-host": "evil.example/path" })).toBe(
      "http://localhost",
    );
    expect(await served({})).toBe("http://localhost");
  });

  test("servers is INBOX_PUBLIC_URL when configured, whatever the request says", async () => {
    const configured = await createHarness({ publicUrl: "https://inbox.example.com" });
    try {
      const served = await configured.call("GET", "/swagger/json", {
        key: null,
        headers: { "x-forwarded-host": "other.example.com" },
      });
      expect(served.json.servers).toEqual([
        { url: "https://inbox.example.com", description: "This server (INBOX_PUBLIC_URL)." },
      ]);
    } finally {
      await configured.close();
    }
  });

  test("error responses carry examples; 401 is unauthorized", () => {
    const codes = errorExampleCodes();
    for (const { key, status, code } of codes) {
      expect({ key, status, code: typeof code }).toEqual({ key, status, code: "string" });
    }
    for (const { key, code } of codes.filter((c) => c.status === "401")) {
      expect({ key, code }).toEqual({ key, code: "unauthorized" });
    }
  });

  test("404 names the operation's resource, 422 one of its fields", () => {
    const byId = new Map(operations().map(({ op }) => [op.operationId, op]));
    const example = (id: string, status: string) => {
      const media = byId.get(id).responses[status].content["application/json"];
      return (
        media.example ??
        (Object.values(media.examples)[0] as { value: Example & { error: { details: { field: string }[] } } })
          .value
      );
    };
    expect(example("getWebhook", "404").error.message).toBe("webhook not found");
    expect(example("getDelivery", "404").error.message).toBe("delivery not found");
    expect(example("getEvent", "404").error.message).toBe("event not found");
    expect(example("getAccount", "404").error.message).toBe("account not found");
    expect(example("createWebhook", "422").error.details[0].field).toBe("/url");
    expect(example("publishEvent", "422").error.details[0].field).toBe("/type");
    expect(example("recoverWebhook", "422").error.details[0].field).toBe("/since");
    expect(example("listDeliveries", "422").error.details[0].field).toBe("since"); // the route's own
    expect(example("listWebhooks", "422").error.details[0].field).toBe("limit");
    expect(example("getWebhook", "422").error.details[0].field).toBe("id");
    expect(example("listEventTypes", "422").error.details[0].field).toBe("include_archived");
    expect(example("recoverWebhook", "507").error.code).toBe("storage_full");
    expect(example("listWebhooks", "503").error.code).toBe("store_unavailable");
    expect(example("createWebhook", "403").error.code).toBe("insufficient_scope");
    // A route's own error examples are kept (retry's 409 says why nothing would be sent).
    const retry409 = byId.get("retryDelivery").responses["409"].content["application/json"];
    expect(retry409.example).toBeUndefined();
    const messages = Object.values(retry409.examples).map(
      (e) => (e as { value: Example }).value.error.message,
    );
    expect(messages).toContain("the delivery already succeeded");
  });

  test("the main models are named component schemas, referenced with $ref", () => {
    const byId = new Map(operations().map(({ op }) => [op.operationId, op]));
    const schemaOf = (id: string, status: string) =>
      byId.get(id).responses[status].content["application/json"].schema;
    const refTo = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    const expected: [string, string, string][] = [
      ["createWebhook", "201", "WebhookWithSecret"],
      ["getWebhook", "200", "Webhook"],
      ["replaceWebhook", "200", "Webhook"],
      ["listWebhooks", "200", "WebhookPage"],
      ["listWebhookLogs", "200", "AttemptPage"],
      ["publishEvent", "202", "PublishedEvent"],
      ["publishEvents", "202", "PublishedEvents"],
      ["listEvents", "200", "EventPage"],
      ["getEvent", "200", "EventWithDeliveries"],
      ["listDeliveries", "200", "DeliveryPage"],
      ["getDelivery", "200", "DeliveryWithAttempts"],
      ["getEventType", "200", "EventType"],
      ["listEventTypes", "200", "EventTypeList"],
      ["listAccountKeys", "200", "ApiKeyList"],
      ["getAccount", "200", "AccountWithKeys"],
      ["listAccounts", "200", "AccountPage"],
      ["getWebhook", "404", "Error"],
      ["createWebhook", "401", "Error"],
    ];
    for (const [id, status, name] of expected)
      expect({ id, status, schema: schemaOf(id, status) }).toEqual({ id, status, schema: refTo(name) });
    const schemas = spec.components.schemas;
    const pages: [string, string][] = [
      ["WebhookPage", "Webhook"],
      ["AttemptPage", "Attempt"],
      ["EventPage", "Event"],
      ["PublishedEvents", "PublishedEvent"],
      ["DeliveryPage", "Delivery"],
      ["EventTypeList", "EventType"],
      ["ApiKeyList", "ApiKey"],
      ["AccountPage", "Account"],
    ];
    for (const [page, item] of pages) expect(schemas[page].properties.data.items).toEqual(refTo(item));
    expect(schemas.Webhook.properties.url).toBeDefined();
    expect(schemas.WebhookWithSecret.properties.secret).toBeDefined();
    expect(schemas.Error.properties.error).toBeDefined();
    // `Event` is the envelope receivers get; the publish answer adds what the call did.
    expect(Object.keys(schemas.Event.properties)).toEqual(["id", "type", "created_at", "data"]);
    expect(Object.keys(schemas.PublishedEvent.properties)).toEqual([
      "id",
      "type",
      "created_at",
      "data",
      "delivery_count",
      "replayed",
    ]);
  });

  test("every JSON response is a named component schema, and so are the lists inside models", () => {
    const inline = operations().flatMap(({ op }) =>
      // biome-ignore lint/suspicious/noExplicitAny: as above
      (Object.entries(op.responses ?? {}) as [string, any][])
        .filter(([, response]) => response.content?.["application/json"]?.schema?.$ref === undefined)
        .filter(([, response]) => response.content?.["application/json"] !== undefined)
        .map(([status]) => `${op.operationId} ${status}`),
    );
    expect(inline).toEqual([]);
    const schemas = spec.components.schemas;
    const refTo = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    expect(schemas.EventWithDeliveries.properties.deliveries.items).toEqual(refTo("Delivery"));
    expect(schemas.Replay.properties.deliveries.items).toEqual(refTo("Delivery"));
    expect(schemas.DeliveryWithAttempts.properties.attempts.items).toEqual(refTo("Attempt"));
    expect(schemas.AccountWithKeys.properties.keys.items).toEqual(refTo("ApiKey"));
  });

  test("every JSON request body is a named component schema; PUT and PATCH of a webhook share one", () => {
    const bodies = operations()
      .filter(({ op }) => op.requestBody !== undefined)
      .map(({ op }) => ({ id: op.operationId, schema: op.requestBody.content["application/json"]?.schema }));
    expect(bodies.length).toBeGreaterThanOrEqual(14);
    for (const { id, schema } of bodies)
      expect({ id, ref: schema?.$ref }).toEqual({
        id,
        ref: expect.stringMatching(/^#\/components\/schemas\/\w+Request$/),
      });
    const refOf = new Map(bodies.map(({ id, schema }) => [id, schema.$ref.split("/").pop()]));
    expect(refOf.get("createWebhook")).toBe("CreateWebhookRequest");
    expect(refOf.get("updateWebhook")).toBe("UpdateWebhookRequest");
    expect(refOf.get("replaceWebhook")).toBe("UpdateWebhookRequest");
    expect(refOf.get("publishEvent")).toBe("PublishEventRequest");
    expect(refOf.get("createOwnKey")).toBe(refOf.get("createAccountKey"));
    const schemas = spec.components.schemas;
    expect(schemas.CreateWebhookRequest.required).toEqual(["url", "events"]);
    expect(schemas.CreateWebhookRequest.additionalProperties).toBe(false);
    expect(schemas.PublishEventsRequest.properties.events.items).toEqual({
      $ref: "#/components/schemas/BatchEvent",
    });
    expect(schemas.BatchEvent.required).toEqual(["type", "data"]);
    // Each operation still shows an example body (the schema's examples moved with it).
    const byId = new Map(operations().map(({ op }) => [op.operationId, op]));
    expect(byId.get("publishEvent").requestBody.content["application/json"].example).toMatchObject({
      type: "message.delivered",
    });
  });
});
