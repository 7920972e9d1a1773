import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { INTEGER_QUERY_PARAMETERS } from "../../src/http/models/common";
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

const API_ROUTES = [
  "post /v1/webhooks",
  "get /v1/webhooks",
  "post /v1/webhooks/test",
  "get /v1/webhooks/{id}",
  "put /v1/webhooks/{id}",
  "delete /v1/webhooks/{id}",
  "get /v1/webhooks/{id}/logs",
  "post /v1/webhooks/{id}/secret/rotate",
  "get /v1/webhooks/{id}/secret",
  "post /v1/events",
  "post /v1/events/batch",
  "get /v1/events",
  "get /v1/events/{id}",
  "post /v1/events/{id}/replay",
  "get /v1/deliveries/{id}",
  "post /v1/deliveries/{id}/retry",
  "get /v1/event-types",
  "get /v1/event-types/{name}",
  "post /v1/event-types",
  "put /v1/event-types/{name}",
  "delete /v1/event-types/{name}",
  "post /v1/accounts",
  "get /v1/accounts",
  "get /v1/accounts/{id}",
  "delete /v1/accounts/{id}",
  "post /v1/accounts/{id}/keys",
  "delete /v1/accounts/{id}/keys/{key_id}",
];

function operations(): Map<string, Record<string, unknown>> {
  const ops = new Map<string, Record<string, unknown>>();
  for (const [path, item] of Object.entries(
    spec.paths as Record<string, Record<string, Record<string, unknown>>>,
  )) {
    for (const [method, op] of Object.entries(item)) ops.set(`${method} ${path.replace(/\/$/, "")}`, op);
  }
  return ops;
}

describe("OpenAPI document", () => {
  test("is titled, versioned, and secured by bearer keys globally", () => {
    expect(spec.info.title).toBe("Inbox Webhooks");
    expect(spec.info.version).toBe("9.9.9-test");
    expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(spec.security).toEqual([{ bearerAuth: [] }]);
  });

  test("lists every API route with tag, summary and responses; health and metrics opt out of security", () => {
    const ops = operations();
    for (const key of API_ROUTES) {
      const op = ops.get(key);
      expect(op, key).toBeDefined();
      expect((op?.tags as string[])?.length, key).toBeGreaterThan(0);
      expect(typeof op?.summary, key).toBe("string");
      expect(op?.responses, key).toBeDefined();
      expect(op?.security, key).toBeUndefined(); // inherits the global bearer requirement
    }
    expect(ops.get("get /health")?.security).toEqual([]);
    expect(ops.get("get /metrics")?.security).toEqual([]);
    // Asset routes stay out of the document.
    for (const key of ops.keys()) expect(key).not.toContain("/swagger");
  });

  test("request bodies carry schemas and the docs' examples", () => {
    const ops = operations();
    // The body's schema is a named component (./openapi-client.test.ts); read it with the body.
    const body = (key: string) => {
      const requestBody = (
        ops.get(key) as { requestBody: { content: Record<string, { schema: { $ref?: string } }> } }
      ).requestBody;
      const ref = requestBody.content["application/json"]?.schema.$ref ?? "";
      return JSON.stringify({ requestBody, schema: spec.components.schemas[ref.split("/").pop() ?? ""] });
    };
    const text = body("post /v1/webhooks");
    expect(text).toContain("https://yourapp.com/webhooks/inbox");
    expect(text).toContain('"additionalProperties":false');
    expect(body("post /v1/events")).toContain("dev_abcdef123456");
    const created = JSON.stringify((ops.get("post /v1/webhooks") as { responses: unknown }).responses);
    expect(created).toContain("secret");
    expect(body("post /v1/event-types")).toContain("ord_8F2K");
  });

  test("integer query parameters are plain integers with their range, and the guards read each of them", () => {
    const seen = new Set<string>();
    for (const [key, op] of operations()) {
      const parameters = (op.parameters ?? []) as {
        name: string;
        in: string;
        schema: Record<string, unknown>;
      }[];
      for (const p of parameters.filter((p) => p.in === "query")) {
        const numeric = JSON.stringify(p.schema).match(/"type":"(integer|number)"/);
        if (!numeric && !INTEGER_QUERY_PARAMETERS.has(p.name)) continue;
        seen.add(p.name);
        // Read strictly by the request guards, so shown as what it is: no string-or-integer union.
        expect(INTEGER_QUERY_PARAMETERS.has(p.name), `${key} ?${p.name}`).toBe(true);
        expect(p.schema.type, `${key} ?${p.name}`).toBe("integer");
        expect(p.schema.anyOf, `${key} ?${p.name}`).toBeUndefined();
        expect(typeof p.schema.minimum, `${key} ?${p.name}`).toBe("number");
        expect(typeof p.schema.maximum, `${key} ?${p.name}`).toBe("number");
      }
    }
    expect([...seen]).toEqual([...INTEGER_QUERY_PARAMETERS]);
  });
});

describe("Swagger UI", () => {
  test("the page references only local assets, and they load", async () => {
    const page = await h.call("GET", "/swagger", { key: null });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const urls = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls) expect(url.startsWith("/")).toBe(true);
    expect(page.text).not.toMatch(/https?:\/\//);
    expect(page.text).toContain('"persistAuthorization":true');
    expect(page.text).toContain('"url":"/swagger/json"');

    for (const url of urls) {
      const asset = await h.call("GET", url, { key: null });
      expect(asset.status, url).toBe(200);
      expect(asset.text.length, url).toBeGreaterThan(1000);
    }
    const bundle = await h.app.handle(new Request("http://localhost/swagger/assets/swagger-ui-bundle.js"));
    expect(bundle.headers.get("content-type")).toContain("javascript");
    const css = await h.app.handle(new Request("http://localhost/swagger/assets/swagger-ui.css"));
    expect(css.headers.get("content-type")).toContain("text/css");
    expect((await h.app.handle(new Request("http://localhost/favicon.ico"))).status).toBe(200);
    expect((await h.app.handle(new Request("http://localhost/swagger/assets/nope.js"))).status).toBe(404);
  });
});

test("optional bodies (rotate, replay) are not required in the document; other bodies are", () => {
  const ops = operations();
  for (const key of ["post /v1/webhooks/{id}/secret/rotate", "post /v1/events/{id}/replay"]) {
    const op = ops.get(key) as { requestBody: { required: boolean }; "x-optional-body"?: unknown };
    expect(op.requestBody.required).toBe(false);
    expect(op["x-optional-body"]).toBeUndefined();
  }
  expect((ops.get("post /v1/events") as { requestBody: { required: boolean } }).requestBody.required).toBe(
    true,
  );
});
