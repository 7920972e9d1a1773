// Answers that don't trip users (issue 11 item 6) and the public URL, through the compiled binary
// started with INBOX_CORS_ORIGINS and INBOX_PUBLIC_URL: PATCH changes only the fields given; CORS
// answers an allowed origin's preflight and echoes it, other origins get no CORS header; an
// idempotency id reused with another type or data answers 409 naming /type or /data, the same event
// again answers the stored one; a test send carries X-Inbox-Test: true and the request's `data`;
// GET / redirects to a page that answers; /swagger/json names INBOX_PUBLIC_URL in servers. Run by
// `bun run test` after the build; takes about a second.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Receiver, startReceiver } from "../support/receiver";
import { api, eventually, type FreshServer, sampleEvent, startFresh } from "./binary-harness";

const APP_ORIGIN = "http://localhost:5173";
const PUBLIC_URL = "https://inbox.example.com";

let fresh: FreshServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = startReceiver();
  fresh = await startFresh({
    INBOX_ALLOW_PRIVATE_TARGETS: "true",
    INBOX_CORS_ORIGINS: APP_ORIGIN,
    INBOX_PUBLIC_URL: PUBLIC_URL,
  });
});

afterAll(async () => {
  await fresh?.close();
  await receiver?.stop();
});

/** The requests that arrived at `path` of the receiver. */
const arrivedAt = (path: string) => receiver.requests.filter((r) => r.path === path);

function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${fresh.server.url}${path}`, {
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
    ...init,
  });
}

async function registerWebhook(path: string, fields: Record<string, unknown> = {}): Promise<string> {
  const res = await api(fresh.server, fresh.apiKey, "POST", "/v1/webhooks", {
    url: `${receiver.url}${path}`,
    events: ["message.delivered"],
    ...fields,
  });
  expect(res.status).toBe(201);
  return (res.body as { id: string }).id;
}

describe("API answers through the binary", () => {
  test("PATCH /v1/webhooks/{id} changes the fields given and keeps the others", async () => {
    const { server, apiKey } = fresh;
    const registered = {
      description: "billing",
      headers: { "X-Tenant": "acme" },
      rate_limit: 10,
      channels: ["eu"],
    };
    const id = await registerWebhook("/patched", registered);
    const patched = await api(server, apiKey, "PATCH", `/v1/webhooks/${id}`, { rate_limit: 5 });
    expect(patched.status).toBe(200);
    const expected = {
      url: `${receiver.url}/patched`,
      events: ["message.delivered"],
      ...registered,
      rate_limit: 5,
      enabled: true,
    };
    expect(patched.body).toMatchObject(expected);
    const again = await api(server, apiKey, "PATCH", `/v1/webhooks/${id}`, { description: "billing, EU" });
    expect(again.body).toMatchObject({ ...expected, description: "billing, EU" });
    const read = await api(server, apiKey, "GET", `/v1/webhooks/${id}`);
    expect(read.body).toEqual(again.body);
  });

  test("CORS: an allowed origin's preflight is answered and the origin echoed; others get no CORS header", async () => {
    const preflight = (origin: string) =>
      call("/v1/webhooks", {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "PATCH",
          "access-control-request-headers": "authorization, content-type",
        },
      });
    const allowed = await preflight(APP_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(allowed.headers.get("access-control-allow-methods")).toContain("PATCH");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(
      (await preflight("https://elsewhere.example")).headers.get("access-control-allow-origin"),
    ).toBeNull();

    const list = (origin: string) =>
      call("/v1/webhooks?limit=1", { headers: { origin, authorization: `Bearer ${fresh.apiKey}` } });
    const fromApp = await list(APP_ORIGIN);
    expect(fromApp.status).toBe(200);
    expect(fromApp.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(fromApp.headers.get("vary")).toContain("Origin");
    const fromElsewhere = await list("https://elsewhere.example");
    expect(fromElsewhere.status).toBe(200);
    expect(fromElsewhere.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("an idempotency id reused with another type or data is a 409; the same event again replays", async () => {
    const { server, apiKey } = fresh;
    await registerWebhook("/orders");
    const delivered = await sampleEvent(server, apiKey, "message.delivered");
    const read = await sampleEvent(server, apiKey, "message.read");
    const event = { id: "order-42.delivered", ...delivered };
    const first = await api(server, apiKey, "POST", "/v1/events", event);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ id: event.id, replayed: false });
    const created = first.body as { created_at: string; delivery_count: number };
    expect(created.delivery_count).toBeGreaterThan(0);

    const replay = await call("/v1/events", {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(event),
    });
    expect(replay.status).toBe(202);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual({
      ...delivered,
      id: event.id,
      created_at: created.created_at,
      delivery_count: 0,
      replayed: true,
    });

    const conflict = async (body: unknown) => {
      const res = await api(server, apiKey, "POST", "/v1/events", body);
      const error = (res.body as { error: { code: string; details: { field: string }[] } }).error;
      return { status: res.status, code: error.code, fields: error.details.map((d) => d.field) };
    };
    expect(await conflict({ id: event.id, ...read })).toEqual({
      status: 409,
      code: "idempotency_conflict",
      fields: ["/type"],
    });
    expect(await conflict({ ...event, data: { ...(delivered.data as object), to: "+15550000000" } })).toEqual(
      {
        status: 409,
        code: "idempotency_conflict",
        fields: ["/data"],
      },
    );
    const stored = await api(server, apiKey, "GET", `/v1/events/${event.id}`);
    expect(stored.body).toMatchObject({ type: delivered.type, data: delivered.data });
    expect((stored.body as { deliveries: unknown[] }).deliveries.length).toBe(created.delivery_count);
  });

  test("a test send carries X-Inbox-Test: true and the request's data; a delivery does not", async () => {
    const { server, apiKey } = fresh;
    const id = await registerWebhook("/tested");
    const data = {
      message_id: "msg_test_1",
      to: "+15550000000",
      delivered_at: "2025-01-15T10:25:03Z",
      device_id: "dev_test",
    };
    const sent = await api(server, apiKey, "POST", "/v1/webhooks/test", {
      webhook_id: id,
      event_type: "message.delivered",
      data,
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ outcome: "succeeded", test: true, delivery_id: null });
    const published = await api(server, apiKey, "POST", "/v1/events", await sampleEvent(server, apiKey));
    expect(published.status).toBe(202);

    const [testSend, delivery] = await eventually(() => {
      const got = arrivedAt("/tested");
      return got.length === 2 ? got : undefined;
    });
    if (!testSend || !delivery) throw new Error("two requests expected");
    expect(testSend.headers.get("x-inbox-test")).toBe("true");
    expect(testSend.headers.get("x-inbox-delivery-id")).toBeNull();
    expect(JSON.parse(testSend.body)).toMatchObject({ type: "message.delivered", data });
    expect(delivery.headers.get("x-inbox-test")).toBeNull();
    expect(delivery.headers.get("x-inbox-delivery-id")).toMatch(/^dlv_/);
  });

  test("GET / redirects, without a key, to a page that answers", async () => {
    const root = await call("/");
    expect(root.status).toBe(302);
    const target = new URL(root.headers.get("location") ?? "", fresh.server.url);
    expect(target.origin).toBe(fresh.server.url);
    expect(target.pathname).not.toBe("/");
    // The dashboard sends a browser without a session on to its sign-in page: follow same-origin
    // redirects (a few at most) to the page that answers.
    let res = await call(`${target.pathname}${target.search}`);
    for (let hops = 0; hops < 3 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(res.headers.get("location") ?? "", fresh.server.url);
      expect(next.origin).toBe(fresh.server.url);
      res = await call(`${next.pathname}${next.search}`);
    }
    expect(res.status).toBe(200);
  });

  test("/swagger/json names INBOX_PUBLIC_URL in servers, whatever the request's forwarded host", async () => {
    const res = await call("/swagger/json", { headers: { "x-forwarded-host": "other.example.com" } });
    expect(res.status).toBe(200);
    const spec = (await res.json()) as { servers: { url: string }[] };
    expect(spec.servers.map((s) => s.url)).toEqual([PUBLIC_URL]);
  });
});
