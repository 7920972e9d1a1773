// The compiled binary as a running appliance: first start, the API end to end with a real receiver, a
// restart on the same data directory, the single-writer lock, signals and the healthcheck subcommand.
// Run by `bun run test` after the build (see scripts/check.ts).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import {
  api,
  eventually,
  type FirstStartKeys,
  makeSandbox,
  parseFirstStartKeys,
  type RunningServer,
  runToExit,
  type Sandbox,
  startServer,
} from "./binary-harness";

interface Received {
  headers: Headers;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that records every request and answers 200. */
function startReceiver() {
  const received: Received[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      received.push({ headers: req.headers, body: await req.text() });
      return new Response("ok");
    },
  });
  return { received, url: `http://127.0.0.1:${server.port}/hooks/inbox`, stop: () => server.stop(true) };
}

const DELIVERED_DATA = {
  message_id: "msg_1234567890",
  to: "+15551234567",
  delivered_at: "2025-01-15T10:25:03Z",
  device_id: "dev_abcdef123456",
};

let sandbox: Sandbox;
let receiver: ReturnType<typeof startReceiver>;
const dev = { INBOX_ALLOW_PRIVATE_TARGETS: "true" };

beforeAll(() => {
  sandbox = makeSandbox();
  receiver = startReceiver();
});
afterAll(() => {
  receiver.stop();
  sandbox.remove();
});

// The tests below share one data directory and run in order: each one builds on what the previous left.
let first: FirstStartKeys;
let webhook: { id: string; secret: string };
let eventId: string;

describe("first start", () => {
  test("creates ./data in the working directory and prints the admin key and a default API key once", async () => {
    const server = await startServer(sandbox, [], dev);
    try {
      first = await eventually(() => {
        const keys = parseFirstStartKeys(server.stderr());
        return keys.adminKey && keys.apiKey ? keys : undefined;
      });
      expect(existsSync(join(sandbox.dir, "data"))).toBe(true);
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(first.adminKey).not.toBe(first.apiKey);
    // Keys never reach the JSON log stream.
    const stdout = JSON.stringify(server.logs);
    expect(stdout).not.toContain(first.adminKey!);
    expect(stdout).not.toContain(first.apiKey!);
    expect(server.strayStdout).toEqual([]);
    expect(server.logs.every((l) => typeof l.time === "string" && typeof l.level === "string")).toBe(true);
  });

  test("a second start on the same data directory prints no keys, and the printed keys still work", async () => {
    const server = await startServer(sandbox, [], dev);
    try {
      expect((await api(server, first.apiKey!, "GET", "/v1/webhooks")).status).toBe(200);
      expect((await api(server, first.adminKey!, "GET", "/v1/accounts")).status).toBe(200);
      expect((await api(server, "not-a-key", "GET", "/v1/webhooks")).status).toBe(401);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const again = parseFirstStartKeys(server.stderr());
    expect(again).toEqual({ adminKey: undefined, apiKey: undefined, accountId: undefined });
  });
});

describe("the API through the binary", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(sandbox, [], dev);
  });
  afterAll(async () => {
    if (server) await server.stop();
  });

  test("registers a webhook, publishes an event, and the receiver gets it signed", async () => {
    const created = await api(server, first.apiKey!, "POST", "/v1/webhooks", {
      url: receiver.url,
      events: ["message.delivered"],
      description: "binary test",
    });
    expect(created.status).toBe(201);
    webhook = created.body as { id: string; secret: string };
    expect(webhook.id).toStartWith("wh_");
    expect(webhook.secret).toStartWith("whsec_");

    const published = await api(server, first.apiKey!, "POST", "/v1/events", {
      type: "message.delivered",
      data: DELIVERED_DATA,
    });
    expect(published.status).toBe(202);
    eventId = (published.body as { id: string }).id;
    expect(eventId).toStartWith("evt_");

    const got = await eventually(() => receiver.received.find((r) => r.body.includes(eventId)), 10_000);
    const envelope = JSON.parse(got.body);
    expect(envelope).toEqual({
      id: eventId,
      type: "message.delivered",
      created_at: expect.any(String),
      data: DELIVERED_DATA,
    });
    expect(envelope.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(got.headers.get("content-type")).toStartWith("application/json");
    expect(got.headers.get("x-inbox-event-id")).toBe(eventId);
    expect(got.headers.get("x-inbox-event-type")).toBe("message.delivered");
    // Exactly the docs' verifySignature: HMAC-SHA256 of the body bytes keyed by the secret string.
    const expected = createHmac("sha256", webhook.secret).update(got.body, "utf8").digest("hex");
    expect(got.headers.get("x-inbox-signature")).toBe(`sha256=${expected}`);
    // Unix seconds of the attempt, for receivers that refuse old requests: the signed webhook-timestamp.
    expect(got.headers.get("x-inbox-timestamp")).toMatch(/^\d{10}$/);
    expect(got.headers.get("x-inbox-timestamp")).toBe(got.headers.get("webhook-timestamp"));
    // And any Standard Webhooks library accepts it.
    const plainHeaders = Object.fromEntries(got.headers.entries());
    expect(new Webhook(webhook.secret).verify(got.body, plainHeaders)).toEqual(envelope);
  });

  test("the attempt is logged as succeeded", async () => {
    const attempts = await eventually(async () => {
      const res = await api(
        server,
        first.apiKey!,
        "GET",
        `/v1/webhooks/${webhook.id}/logs?event_id=${eventId}`,
      );
      expect(res.status).toBe(200);
      const data = (res.body as { data: unknown[] }).data;
      return data.length > 0 ? data : undefined;
    });
    expect(attempts).toEqual([
      expect.objectContaining({ event_id: eventId, attempt: 1, outcome: "succeeded", status_code: 200 }),
    ]);
  });

  test("serves Swagger UI with its assets from inside the binary", async () => {
    const page = await fetch(`${server.url}/swagger`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const res = await fetch(new URL(asset, `${server.url}/swagger`));
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
  });

  test("the healthcheck subcommand exits 0 against it", async () => {
    const { code } = await runToExit(sandbox, ["healthcheck", "--port", String(server.port)]);
    expect(code).toBe(0);
  });

  test("a second instance on the same data directory refuses to start, naming the reason", async () => {
    const { code, stderr } = await runToExit(sandbox, ["--port", "0", "--host", "127.0.0.1"], dev);
    expect(code).not.toBe(0);
    expect(stderr).toContain("in use");
    // The first instance is unharmed.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  test("SIGTERM stops it with exit code 0, after which the healthcheck fails", async () => {
    const port = server.port;
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.logs.map((l) => l.msg)).toContain("stopped");
    const { code } = await runToExit(sandbox, ["healthcheck", "--port", String(port)]);
    expect(code).toBe(1);
  });
});

describe("restart", () => {
  test("keeps webhooks, events and deliveries, and SIGINT also exits 0", async () => {
    expect(webhook).toBeDefined();
    const server = await startServer(sandbox, [], dev);
    try {
      const hook = await api(server, first.apiKey!, "GET", `/v1/webhooks/${webhook.id}`);
      expect(hook.status).toBe(200);
      expect(hook.body).toMatchObject({ id: webhook.id, url: receiver.url, events: ["message.delivered"] });
      expect(JSON.stringify(hook.body)).not.toContain(webhook.secret);
      const event = await api(server, first.apiKey!, "GET", `/v1/events/${eventId}`);
      expect(event.status).toBe(200);
      expect(event.body).toMatchObject({ id: eventId, type: "message.delivered", data: DELIVERED_DATA });
      // Delivered and logged once before the restart; the log survives and nothing is sent again.
      const logs = await api(
        server,
        first.apiKey!,
        "GET",
        `/v1/webhooks/${webhook.id}/logs?event_id=${eventId}`,
      );
      expect(logs.body).toMatchObject({ data: [{ event_id: eventId, outcome: "succeeded" }] });
      expect(receiver.received.filter((r) => r.body.includes(eventId))).toHaveLength(1);
    } finally {
      expect(await server.stop("SIGINT")).toBe(0);
    }
  });
});
