import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHarness, type Harness } from "./harness";

let on: Harness;
let any: Harness;
let off: Harness;
beforeAll(async () => {
  on = await createHarness({ corsOrigins: ["https://app.example.com", "http://localhost:5173"] });
  any = await createHarness({ corsOrigins: ["*"] });
  off = await createHarness();
});
afterAll(async () => {
  await Promise.all([on.close(), any.close(), off.close()]);
});

const preflight = (origin: string) => ({
  key: null,
  headers: {
    origin,
    "access-control-request-method": "PATCH",
    "access-control-request-headers": "authorization, content-type",
  },
});

describe("CORS", () => {
  test("a preflight from an allowed origin is answered without a key, naming methods and headers", async () => {
    const res = await on.call("OPTIONS", "/v1/webhooks/wh_123", preflight("https://app.example.com"));
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, POST, PUT, PATCH, DELETE");
    expect(res.headers.get("access-control-allow-headers")).toBe("Authorization, Content-Type");
    expect(res.headers.get("vary")).toBe("Origin");
  });

  test("answers to an allowed origin carry Access-Control-Allow-Origin, errors included", async () => {
    const ok = await on.call("GET", "/v1/webhooks", { headers: { origin: "http://localhost:5173" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const unauthorized = await on.call("GET", "/v1/webhooks", {
      key: null,
      headers: { origin: "http://localhost:5173" },
    });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const invalid = await on.call("POST", "/v1/events", {
      body: { type: "message.read", data: {} },
      headers: { origin: "http://localhost:5173" },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
  });

  test("another origin gets no CORS header, and its preflight is not answered", async () => {
    const res = await on.call("GET", "/v1/webhooks", { headers: { origin: "https://evil.example.com" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await on.call("OPTIONS", "/v1/webhooks", preflight("https://evil.example.com"));
    expect(pre.status).not.toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    expect(pre.headers.get("access-control-allow-methods")).toBeNull();
  });

  test("* allows any origin", async () => {
    const pre = await any.call("OPTIONS", "/v1/events", preflight("https://whoever.example"));
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    const res = await any.call("GET", "/v1/events", { headers: { origin: "https://whoever.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("off by default: no CORS headers, preflights not answered", async () => {
    const res = await off.call("GET", "/v1/webhooks", { headers: { origin: "https://app.example.com" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await off.call("OPTIONS", "/v1/webhooks", preflight("https://app.example.com"));
    expect(pre.status).not.toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
  });
});
