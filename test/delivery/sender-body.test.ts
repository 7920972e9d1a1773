// How much of a response body the sender reads and keeps, against real sockets on 127.0.0.1: a body
// of known small length is read whole, anything else is streamed and cut at RESPONSE_BYTES_MAX, and
// every read is bounded by the attempt's timeout.

import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { createTargetResolver } from "../../src/delivery/resolve-target";
import { RESPONSE_BYTES_MAX, type SendRequest, send, smallBodyLength } from "../../src/delivery/sender";
import { generateSecret } from "../../src/domain/webhook-secret";
import { receiversStoppedAfterAll } from "../support/receiver";

const secret = generateSecret();
const request: SendRequest = {
  body: '{"id":"evt_1"}',
  eventId: "evt_1",
  eventType: "message.delivered",
  deliveryId: "dlv_1",
  attempt: 1,
};
const opts = (timeoutMs = 2_000) => ({
  resolver: createTargetResolver({ allowPrivate: true }),
  timeoutMs,
  userAgent: "InboxWebhooks/9.9.9",
});

const receiver = receiversStoppedAfterAll();

/**
 * A raw HTTP/1.1 server that writes `head` and the start of a body for each request, then never
 * sends the rest: the receiver promised a length it does not deliver.
 */
function startStallingServer(head: string, partial: string) {
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket) {
        socket.write(`${head}\r\n\r\n${partial}`);
      },
    },
  });
  return { url: `http://127.0.0.1:${listener.port}/`, stop: () => listener.stop(true) };
}

describe("smallBodyLength", () => {
  test("is the Content-Length when it is a plain integer of at most RESPONSE_BYTES_MAX", () => {
    expect(smallBodyLength(new Headers({ "Content-Length": "0" }))).toBe(0);
    expect(smallBodyLength(new Headers({ "Content-Length": "2" }))).toBe(2);
    expect(smallBodyLength(new Headers({ "Content-Length": String(RESPONSE_BYTES_MAX) }))).toBe(
      RESPONSE_BYTES_MAX,
    );
  });

  test("is null for a missing, larger, malformed or content-encoded length", () => {
    const cases: Array<Record<string, string>> = [
      {},
      { "Transfer-Encoding": "chunked" },
      { "Content-Length": String(RESPONSE_BYTES_MAX + 1) },
      { "Content-Length": "1048576" },
      { "Content-Length": "99999999999999999999" },
      { "Content-Length": "-1" },
      { "Content-Length": "1e3" },
      { "Content-Length": "0x10" },
      { "Content-Length": "10, 10" },
      { "Content-Length": "" },
      // fetch decompresses: a 14-byte brotli body can be a megabyte once decoded.
      { "Content-Length": "14", "Content-Encoding": "br" },
      { "Content-Length": "14", "Content-Encoding": "gzip" },
    ];
    for (const headers of cases) {
      expect(smallBodyLength(new Headers(headers))).toBeNull();
    }
  });
});

describe("send reads the response body", () => {
  test("a small body with a Content-Length is kept whole, decoded as UTF-8", async () => {
    const text = "accepted: héllo ✓ 👋";
    const r = receiver(() => new Response(text, { status: 200 }));
    const outcome = await send({ url: r.url, secret }, request, opts());
    expect(outcome).toMatchObject({ ok: true, status: 200, body: text });
  });

  test("a body of exactly RESPONSE_BYTES_MAX with a Content-Length is kept whole", async () => {
    const r = receiver(() => new Response("y".repeat(RESPONSE_BYTES_MAX), { status: 500 }));
    const outcome = await send({ url: r.url, secret }, request, opts());
    expect(outcome).toMatchObject({ ok: false, status: 500, body: "y".repeat(RESPONSE_BYTES_MAX) });
  });

  test("invalid UTF-8 is decoded lossily, never an error", async () => {
    const r = receiver(() => new Response(new Uint8Array([0x6f, 0xff, 0x6b, 0xc3]), { status: 400 }));
    const outcome = await send({ url: r.url, secret }, request, opts());
    expect(outcome).toMatchObject({
      ok: false,
      errorClass: "http_status",
      status: 400,
      body: "o\uFFFDk\uFFFD",
    });
  });

  test("204, 304 and an empty body keep an empty string", async () => {
    const r = receiver((_q, i) =>
      i === 0
        ? new Response(null, { status: 204 })
        : i === 1
          ? new Response(null, { status: 304 })
          : new Response("", { status: 200, headers: { "Content-Length": "0" } }),
    );
    expect(await send({ url: r.url, secret }, request, opts())).toMatchObject({
      ok: true,
      status: 204,
      body: "",
    });
    expect(await send({ url: r.url, secret }, request, opts())).toMatchObject({
      ok: false,
      errorClass: "redirect",
      status: 304,
      body: "",
    });
    expect(await send({ url: r.url, secret }, request, opts())).toMatchObject({
      ok: true,
      status: 200,
      body: "",
    });
  });

  test("a 1 MB body with a Content-Length keeps exactly RESPONSE_BYTES_MAX", async () => {
    const big = `${"a".repeat(RESPONSE_BYTES_MAX)}${"b".repeat(1_048_576 - RESPONSE_BYTES_MAX)}`;
    const r = receiver(() => new Response(big, { status: 200 }));
    const outcome = await send({ url: r.url, secret }, request, opts());
    expect(outcome).toMatchObject({ ok: true, status: 200 });
    if (!outcome.ok) throw new Error("expected success");
    expect(outcome.body).toBe("a".repeat(RESPONSE_BYTES_MAX));
  });

  test("a gzip body whose Content-Length is small but decodes to 1 MB keeps RESPONSE_BYTES_MAX", async () => {
    const compressed = gzipSync("z".repeat(1_048_576));
    expect(compressed.length).toBeLessThanOrEqual(RESPONSE_BYTES_MAX);
    const r = receiver(
      () => new Response(compressed, { status: 200, headers: { "Content-Encoding": "gzip" } }),
    );
    const outcome = await send({ url: r.url, secret }, request, opts());
    expect(outcome).toMatchObject({ ok: true, status: 200, body: "z".repeat(RESPONSE_BYTES_MAX) });
  });

  test("a chunked 50 MB body keeps RESPONSE_BYTES_MAX and the rest is cancelled, not read", async () => {
    const chunk = new Uint8Array(65_536).fill(113);
    const chunks = Math.ceil((50 * 1024 * 1024) / chunk.length);
    let pulled = 0;
    const r = receiver(
      () =>
        new Response(
          new ReadableStream({
            pull(c) {
              pulled++;
              if (pulled > chunks) c.close();
              else c.enqueue(chunk);
            },
          }),
          { status: 200 },
        ),
    );
    const timeoutMs = 10_000;
    const outcome = await send({ url: r.url, secret }, request, opts(timeoutMs));
    expect(outcome).toMatchObject({ ok: true, status: 200, body: "q".repeat(RESPONSE_BYTES_MAX) });
    // Finished by cancelling the stream, not by running into the timeout.
    expect(outcome.durationMs).toBeLessThan(timeoutMs);
    await Bun.sleep(100);
    expect(pulled).toBeLessThan(chunks / 2);
  });

  test("a body that stalls short of its Content-Length ends with the timeout; the status still decides", async () => {
    const ok = startStallingServer("HTTP/1.1 200 OK\r\nContent-Length: 10", "part");
    const failing = startStallingServer("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 10", "part");
    try {
      const first = await send({ url: ok.url, secret }, request, opts(300));
      expect(first).toMatchObject({ ok: true, status: 200 });
      expect(first.durationMs).toBeGreaterThanOrEqual(290);
      expect(first.durationMs).toBeLessThan(2_000);
      // A body read whole is all or nothing: what arrived before the stall is not kept.
      if (first.ok) expect(first.body).toBe("");

      const second = await send({ url: failing.url, secret }, request, opts(300));
      expect(second).toMatchObject({ ok: false, errorClass: "http_status", status: 500, body: "" });
      expect(second.durationMs).toBeGreaterThanOrEqual(290);
      expect(second.durationMs).toBeLessThan(2_000);
    } finally {
      ok.stop();
      failing.stop();
    }
  });
});
