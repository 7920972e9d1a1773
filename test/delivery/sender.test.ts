// The sender against real sockets on 127.0.0.1: a Bun.serve receiver, a TCP server that resets,
// a closed port, a TLS receiver with its own certificate.

import { describe, expect, test } from "bun:test";
import crypto from "node:crypto";
import { Webhook } from "standardwebhooks";
import { createTargetResolver, type TargetResolver } from "../../src/delivery/resolve-target";
import { classifyError, RESPONSE_BYTES_MAX, type SendRequest, send } from "../../src/delivery/sender";
import { generateSecret } from "../../src/domain/webhook-secret";
import { closedPort, hang, receiversStoppedAfterAll, startResettingServer } from "../support/receiver";

// The docs' verifySignature, verbatim.
function verifySignature(payload: string | Buffer, signature: string, secret: string) {
  const expectedSignature = crypto.createHmac("sha256", secret).update(payload, "utf8").digest("hex");

  const receivedSignature = signature.replace("sha256=", "");

  return crypto.timingSafeEqual(Buffer.from(expectedSignature, "hex"), Buffer.from(receivedSignature, "hex"));
}

const open = createTargetResolver({ allowPrivate: true });
const guarded = createTargetResolver({ allowPrivate: false });
const secret = generateSecret();
const body =
  '{"id":"evt_1","type":"message.delivered","created_at":"2025-01-15T10:25:03Z","data":{"to":"+15551234567","note":"héllo ✓"}}';
const request: SendRequest = {
  body,
  eventId: "evt_1",
  eventType: "message.delivered",
  deliveryId: "dlv_1",
  attempt: 2,
};
const opts = (resolver: TargetResolver = open, timeoutMs = 2_000) => ({
  resolver,
  timeoutMs,
  userAgent: "InboxWebhooks/9.9.9",
});

const receiver = receiversStoppedAfterAll();

describe("send", () => {
  test("posts the exact body with every header, verifiable by the docs' code and Standard Webhooks", async () => {
    const r = receiver(() => new Response("thanks", { status: 202 }));
    const sentAt = Math.floor(Date.now() / 1000);
    const outcome = await send({ url: `${r.url}/hooks/in?x=1`, secret }, request, opts());
    expect(outcome).toMatchObject({ ok: true, status: 202, body: "thanks" });
    const [got] = await r.waitFor(1);
    if (!got) throw new Error("no request");
    expect(got.method).toBe("POST");
    expect(got.path).toBe("/hooks/in?x=1");
    expect(got.body).toBe(body);
    const h = got.headers;
    expect(h.get("content-type")).toBe("application/json");
    expect(h.get("user-agent")).toBe("InboxWebhooks/9.9.9");
    expect(h.get("host")).toBe(`127.0.0.1:${r.port}`);
    expect(h.get("x-inbox-event-id")).toBe("evt_1");
    expect(h.get("x-inbox-event-type")).toBe("message.delivered");
    expect(h.get("x-inbox-delivery-id")).toBe("dlv_1");
    expect(h.get("x-inbox-attempt")).toBe("2");
    expect(verifySignature(got.body, h.get("x-inbox-signature") ?? "", secret)).toBe(true);
    expect(verifySignature(got.body, h.get("x-inbox-signature") ?? "", generateSecret())).toBe(false);
    const sw = new Webhook(secret);
    const headers = {
      "webhook-id": h.get("webhook-id") ?? "",
      "webhook-timestamp": h.get("webhook-timestamp") ?? "",
      "webhook-signature": h.get("webhook-signature") ?? "",
    };
    expect(headers["webhook-id"]).toBe("evt_1");
    // Unix seconds of this attempt, the same instant the Standard Webhooks signature covers.
    expect(h.get("x-inbox-timestamp")).toBe(headers["webhook-timestamp"]);
    expect(Number(h.get("x-inbox-timestamp"))).toBeWithin(sentAt - 1, Math.ceil(Date.now() / 1000) + 1);
    expect(sw.verify(got.body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(got.body, headers)).toThrow();
  });

  test("X-Inbox-Timestamp is the attempt's Unix seconds from the injected clock, as webhook-timestamp", async () => {
    const r = receiver();
    const now = () => 1_700_000_123_999;
    const first = await send({ url: r.url, secret }, request, { ...opts(), now });
    const retry = await send({ url: r.url, secret }, request, { ...opts(), now: () => now() + 30_000 });
    expect([first.ok, retry.ok]).toEqual([true, true]);
    const [a, b] = await r.waitFor(2);
    expect(a?.headers.get("x-inbox-timestamp")).toBe("1700000123");
    expect(a?.headers.get("webhook-timestamp")).toBe("1700000123");
    expect(b?.headers.get("x-inbox-timestamp")).toBe("1700000153");
    // The body signature stays the docs' one: the same for both attempts, still verified.
    expect(b?.headers.get("x-inbox-signature")).toBe(a?.headers.get("x-inbox-signature") ?? "");
    expect(verifySignature(b?.body ?? "", b?.headers.get("x-inbox-signature") ?? "", secret)).toBe(true);
  });

  test("a test send omits X-Inbox-Delivery-Id and carries X-Inbox-Test: true; a delivery never does", async () => {
    const r = receiver();
    const outcome = await send({ url: r.url, secret }, { ...request, deliveryId: null, attempt: 1 }, opts());
    expect(outcome.ok).toBe(true);
    const delivery = await send({ url: r.url, secret, headers: { "X-Custom": "1" } }, request, opts());
    expect(delivery.ok).toBe(true);
    const [test, real] = await r.waitFor(2);
    expect(test?.headers.has("x-inbox-delivery-id")).toBe(false);
    expect(test?.headers.get("x-inbox-test")).toBe("true");
    expect(real?.headers.get("x-inbox-delivery-id")).toBe(request.deliveryId);
    expect(real?.headers.has("x-inbox-test")).toBe(false);
  });

  test("a 3xx is a redirect failure and is not followed", async () => {
    const r = receiver((req) =>
      req.path === "/moved"
        ? new Response(null, { status: 301, headers: { Location: "/elsewhere" } })
        : new Response("ok"),
    );
    const outcome = await send({ url: `${r.url}/moved`, secret }, request, opts());
    expect(outcome).toMatchObject({ ok: false, errorClass: "redirect", status: 301 });
    await Bun.sleep(50);
    expect(r.requests.map((q) => q.path)).toEqual(["/moved"]);
  });

  test("a non-2xx is an http_status failure carrying the response body", async () => {
    const r = receiver(() => new Response("database down", { status: 500 }));
    const outcome = await send({ url: r.url, secret }, request, opts());
    expect(outcome).toMatchObject({
      ok: false,
      errorClass: "http_status",
      status: 500,
      body: "database down",
    });
    if (!outcome.ok) expect(outcome.retryAfterMs).toBeNull();
  });

  test("Retry-After is read on 429 and 503", async () => {
    const r = receiver((_q, i) =>
      i === 0
        ? new Response("slow down", { status: 429, headers: { "Retry-After": "7" } })
        : new Response("", {
            status: 503,
            headers: { "Retry-After": new Date(Date.now() + 60_000).toUTCString() },
          }),
    );
    const first = await send({ url: r.url, secret }, request, opts());
    expect(first).toMatchObject({ ok: false, errorClass: "http_status", status: 429, retryAfterMs: 7000 });
    const second = await send({ url: r.url, secret }, request, opts());
    if (second.ok) throw new Error("expected a failure");
    expect(second.retryAfterMs).toBeGreaterThan(55_000);
    expect(second.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  test("a receiver that never answers is a timeout within the per-attempt bound", async () => {
    const r = receiver(() => hang());
    const outcome = await send({ url: r.url, secret }, request, opts(open, 300));
    expect(outcome).toMatchObject({ ok: false, errorClass: "timeout", status: null });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(290);
    expect(outcome.durationMs).toBeLessThan(2_000);
  });

  test("a body that never ends is cut by the timeout; the status still decides", async () => {
    const r = receiver(
      () =>
        new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode("partial"));
            },
          }),
          { status: 200 },
        ),
    );
    const outcome = await send({ url: r.url, secret }, request, opts(open, 300));
    expect(outcome).toMatchObject({ ok: true, status: 200, body: "partial" });
    expect(outcome.durationMs).toBeLessThan(2_000);
  });

  test("a huge streamed body is read only up to 4 KiB", async () => {
    let chunksPulled = 0;
    const r = receiver(() => {
      return new Response(
        new ReadableStream({
          pull(c) {
            chunksPulled++;
            if (chunksPulled > 200_000)
              c.close(); // 12.5 GiB if it were all read
            else c.enqueue(new Uint8Array(65_536).fill(120));
          },
        }),
        { status: 500 },
      );
    });
    const outcome = await send({ url: r.url, secret }, request, opts(open, 5_000));
    expect(outcome).toMatchObject({ ok: false, errorClass: "http_status", status: 500 });
    if (outcome.ok) throw new Error("expected a failure");
    expect(outcome.body).toBe("x".repeat(RESPONSE_BYTES_MAX));
    await Bun.sleep(100);
    expect(chunksPulled).toBeLessThan(1_000);
  });

  test("a closed port is connection_refused", async () => {
    const outcome = await send({ url: `http://127.0.0.1:${closedPort()}/`, secret }, request, opts());
    expect(outcome).toMatchObject({ ok: false, errorClass: "connection_refused", status: null });
  });

  test("a peer that drops the connection is reset", async () => {
    const server = startResettingServer();
    try {
      const outcome = await send({ url: `http://127.0.0.1:${server.port}/`, secret }, request, opts());
      expect(outcome).toMatchObject({ ok: false, errorClass: "reset", status: null });
      expect(server.connections()).toBeGreaterThanOrEqual(1);
    } finally {
      server.stop();
    }
  });

  test("a certificate the client does not trust is a tls failure", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: Bun.file(TLS_CERT), key: Bun.file(TLS_KEY) },
      fetch: () => new Response("ok"),
    });
    try {
      const outcome = await send({ url: `https://localhost:${server.port}/`, secret }, request, opts());
      expect(outcome).toMatchObject({ ok: false, errorClass: "tls", status: null });
    } finally {
      await server.stop(true);
    }
  });

  test("https goes to the checked address and still verifies the certificate for the host name", async () => {
    let host = "";
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: Bun.file(TLS_CERT), key: Bun.file(TLS_KEY) },
      fetch: (req) => {
        host = req.headers.get("host") ?? "";
        return new Response("secure");
      },
    });
    try {
      const ca = await Bun.file(TLS_CERT).text();
      // Pinned to 127.0.0.1 whatever `localhost` resolves to first; the cert names only localhost.
      const pinned: TargetResolver = { resolve: async () => ({ ok: true, address: "127.0.0.1", family: 4 }) };
      const ok = await send({ url: `https://localhost:${server.port}/p`, secret }, request, {
        ...opts(pinned),
        tlsCa: ca,
      });
      expect(ok).toMatchObject({ ok: true, status: 200, body: "secure" });
      expect(host).toBe(`localhost:${server.port}`);
      // Reaching the same server under a name its certificate does not carry fails verification.
      const wrongName: TargetResolver = {
        resolve: async () => ({ ok: true, address: "127.0.0.1", family: 4 }),
      };
      const bad = await send({ url: `https://not-localhost.test:${server.port}/p`, secret }, request, {
        ...opts(wrongName),
        tlsCa: ca,
      });
      expect(bad).toMatchObject({ ok: false, errorClass: "tls" });
    } finally {
      await server.stop(true);
    }
  });

  test("with the SSRF guard on, loopback targets are refused before any connection", async () => {
    const r = receiver();
    for (const url of [`${r.url}/`, `http://localhost:${r.port}/`, `http://[::ffff:127.0.0.1]:${r.port}/`]) {
      const outcome = await send({ url, secret }, request, opts(guarded));
      expect(outcome).toMatchObject({ ok: false, errorClass: "ssrf_blocked", status: null });
    }
    await Bun.sleep(50);
    expect(r.requests).toHaveLength(0);
  });

  test("a name that does not resolve is a dns failure", async () => {
    const resolver = createTargetResolver({
      allowPrivate: false,
      lookup: async () => {
        throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
      },
    });
    const outcome = await send({ url: "https://hooks.example.invalid/in", secret }, request, opts(resolver));
    expect(outcome).toMatchObject({ ok: false, errorClass: "dns", status: null });
  });

  test("a resolver slower than the timeout is a timeout", async () => {
    const slow: TargetResolver = { resolve: () => new Promise(() => {}) };
    const outcome = await send({ url: "https://hooks.example.invalid/in", secret }, request, opts(slow, 200));
    expect(outcome).toMatchObject({ ok: false, errorClass: "timeout" });
  });
});

describe("classifyError", () => {
  test("maps Bun's error codes to error classes", () => {
    const err = (code: string, message = "boom") => Object.assign(new TypeError(message), { code });
    expect(classifyError(err("ECONNREFUSED")).errorClass).toBe("connection_refused");
    for (const code of ["ECONNRESET", "EPIPE", "ECONNABORTED"])
      expect(classifyError(err(code)).errorClass).toBe("reset");
    for (const code of ["ENOTFOUND", "EAI_AGAIN"]) expect(classifyError(err(code)).errorClass).toBe("dns");
    for (const code of [
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "ERR_TLS_CERT_ALTNAME_INVALID",
      "CERT_HAS_EXPIRED",
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "SELF_SIGNED_CERT_IN_CHAIN",
      "EPROTO",
    ]) {
      expect(classifyError(err(code)).errorClass).toBe("tls");
    }
    expect(classifyError(err("EHOSTUNREACH", "no route")).errorClass).toBe("network");
    expect(classifyError(new Error("something odd")).errorClass).toBe("network");
    // Bun's advice to developers is dropped from the message kept in the logs.
    const { message } = classifyError(
      err(
        "ECONNRESET",
        "ECONNRESET: closed. For more information, pass `verbose: true` in the second argument",
      ),
    );
    expect(message).toBe("ECONNRESET: closed.");
  });
});

const TLS_CERT = `${import.meta.dir}/../support/tls/localhost-cert.pem`;
const TLS_KEY = `${import.meta.dir}/../support/tls/localhost-key.pem`;
