import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHttpApp } from "../../src/http/http-app";
import { Metrics } from "../../src/observability/metrics";
import { ADMIN_KEY, chunkedBody, createHarness, FakeDelivery, type Harness, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ bodyBytesMax: 4096 });
});
afterAll(async () => {
  await h.close();
});

describe("request bodies", () => {
  test("413 when Content-Length exceeds the limit", async () => {
    const res = await h.call("POST", "/v1/webhooks", {
      rawBody: "x".repeat(5000),
      headers: { "content-type": "application/json", "content-length": "5000" },
    });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("payload_too_large");
  });

  test("413 for a chunked body over the limit (no Content-Length)", async () => {
    const body = JSON.stringify(webhookBody({ description: "y".repeat(6000) }));
    const res = await h.app.handle(
      new Request("http://localhost/v1/webhooks", {
        method: "POST",
        headers: { authorization: `Bearer ${h.defaultKey}`, "content-type": "application/json" },
        body: chunkedBody(body, 1000),
        duplex: "half",
      }),
    );
    expect(res.headers.get("content-length")).not.toBe("0");
    expect(res.status).toBe(413);
    // A chunked body within the limit is fine.
    const ok = await h.app.handle(
      new Request("http://localhost/v1/webhooks", {
        method: "POST",
        headers: { authorization: `Bearer ${h.defaultKey}`, "content-type": "application/json" },
        body: chunkedBody(JSON.stringify(webhookBody()), 7),
        duplex: "half",
      }),
    );
    expect(ok.status).toBe(201);
  });

  test("415 for non-JSON content types", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      const res = await h.call("POST", "/v1/webhooks", {
        rawBody: JSON.stringify(webhookBody()),
        headers: { "content-type": type },
      });
      expect(res.status).toBe(415);
      expect(res.json.error.code).toBe("unsupported_media_type");
    }
    const none = await h.call("POST", "/v1/webhooks", { rawBody: new Blob([JSON.stringify(webhookBody())]) });
    expect(none.status).toBe(415);
    const charset = await h.call("POST", "/v1/webhooks", {
      rawBody: JSON.stringify(webhookBody()),
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(charset.status).toBe(201);
  });

  test("400 for malformed JSON", async () => {
    for (const raw of ["{", '{"url": "x",}', "nope"]) {
      const res = await h.call("POST", "/v1/events", {
        rawBody: raw,
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("malformed_json");
    }
  });

  test("an empty or non-object body is a 422, not a crash", async () => {
    const empty = await h.call("POST", "/v1/webhooks", { headers: { "content-type": "application/json" } });
    expect(empty.status).toBe(422);
    const array = await h.call("POST", "/v1/webhooks", { body: [1, 2] });
    expect(array.status).toBe(422);
    expect(array.json.error.details[0].field).toBe("body");
    const nul = await h.call("POST", "/v1/webhooks", {
      rawBody: "null",
      headers: { "content-type": "application/json" },
    });
    expect(nul.status).toBe(422);
  });

  test("routes without a body accept none", async () => {
    const hook = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    const del = await h.call("DELETE", `/v1/webhooks/${hook.json.id}`);
    expect(del.status).toBe(204);
  });
});

describe("validation of hostile values", () => {
  // Objects a template literal cannot turn into text: an own toString (and valueOf) that is not a
  // function. Elysia's validation error used to format the found value that way while building its
  // message, so the ValidationError itself threw and the request answered 500 (found by the fuzz test,
  // FUZZ_SEED=985725198); patches/elysia@*.patch formats it without throwing.
  const hostile = [
    { toString: true },
    { toString: 1, valueOf: 1 },
    { valueOf: {}, toString: {} },
    [{ toString: 1 }],
  ];
  const cases = (v: unknown): Array<[string, Record<string, unknown>, string]> => [
    ["/v1/webhooks/test", { webhook_id: v, event_type: "message.delivered" }, "/webhook_id"],
    ["/v1/webhooks/test", { webhook_id: "wh_x", event_type: v }, "/event_type"],
    ["/v1/webhooks", webhookBody({ url: v }), "/url"],
    ["/v1/webhooks", webhookBody({ events: [v] }), "/events/0"],
    ["/v1/events", { type: v, data: {} }, "/type"],
  ];

  test("a string field given one answers 422 naming the field, on every route", async () => {
    for (const value of hostile) {
      for (const [path, body, field] of cases(value)) {
        const res = await h.call("POST", path, { body });
        expect({ path, body, status: res.status }).toEqual({ path, body, status: 422 });
        expect(res.json.error.code).toBe("validation_failed");
        expect(res.json.error.details).toContainEqual({ field, reason: "must be a string" });
      }
    }
  });
});

describe("routing errors", () => {
  test("unknown routes are 404 JSON", async () => {
    const res = await h.call("GET", "/nope", { key: null });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("not_found");
    const v1 = await h.call("GET", "/v1/nope");
    expect(v1.status).toBe(404);
    expect(v1.json.error.code).toBe("not_found");
  });

  test("wrong method on a known path is 405 with Allow", async () => {
    const res = await h.call("POST", "/v1/webhooks/wh_123");
    expect(res.status).toBe(405);
    expect(res.json.error.code).toBe("method_not_allowed");
    expect(res.headers.get("allow")).toBe("DELETE, GET, PATCH, PUT");
    const post = await h.call("DELETE", "/v1/events");
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, POST");
  });

  test("malformed ids are 404", async () => {
    for (const path of [
      "/v1/webhooks/xyz",
      "/v1/events/%00",
      "/v1/deliveries/..",
      "/v1/webhooks/wh_%F0%9F%98%80",
    ]) {
      expect((await h.call("GET", path)).status).toBe(404);
    }
  });
});

describe("shutdown and failures", () => {
  test("while shutting down, every request answers 503; /health still says why", async () => {
    h.shuttingDown.value = true;
    try {
      const api = await h.call("GET", "/v1/webhooks");
      expect(api.status).toBe(503);
      expect(api.json.error.code).toBe("unavailable");
      expect((await h.call("GET", "/metrics", { key: null })).status).toBe(503);
      const health = await h.call("GET", "/health", { key: null });
      expect(health.status).toBe(503);
      expect(health.json.status).toBe("shutting_down");
    } finally {
      h.shuttingDown.value = false;
    }
  });

  test("an unexpected failure is a 500 'internal' with no stack, and is logged", async () => {
    const lines: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error(msg: string, fields?: Record<string, unknown>) {
        lines.push(JSON.stringify({ msg, ...fields }));
      },
    };
    const broken = new Proxy(h.store, {
      get(target, prop, receiver) {
        if (prop === "webhooks") {
          return {
            ...target.webhooks,
            list: () => {
              throw new Error("disk on fire");
            },
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const app = createHttpApp({
      store: broken,
      config: h.config,
      logger,
      metrics: new Metrics(),
      delivery: new FakeDelivery(() => h.store),
      version: "t",
      isShuttingDown: () => false,
    });
    const res = await app.handle(
      new Request("http://localhost/v1/webhooks", { headers: { authorization: `Bearer ${h.defaultKey}` } }),
    );
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({ error: { code: "internal", message: "internal error" } });
    expect(lines.join("\n")).toContain("disk on fire");
    // Admin key is never logged nor echoed.
    expect(lines.join("\n")).not.toContain(ADMIN_KEY);
  });
});
