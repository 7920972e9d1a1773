// The sender's per-URL and per-signal bookkeeping against a real receiver on 127.0.0.1: URL parts
// parsed once per URL must still be exactly those of the URL sent to, and one shutdown signal shared
// by every attempt must end each one in flight, whatever stage it is in.

import { describe, expect, test } from "bun:test";
import { createTargetResolver, type TargetResolver } from "../../src/delivery/resolve-target";
import { type SendRequest, send } from "../../src/delivery/sender";
import { generateSecret } from "../../src/delivery/signing";
import { hang, receiversStoppedAfterAll } from "../support/receiver";

const secret = generateSecret();
const request: SendRequest = {
  body: '{"id":"evt_1"}',
  eventId: "evt_1",
  eventType: "message.delivered",
  deliveryId: "dlv_1",
  attempt: 1,
};
const open = createTargetResolver({ allowPrivate: true });
const opts = (extra: { resolver?: TargetResolver; timeoutMs?: number; signal?: AbortSignal } = {}) => ({
  resolver: extra.resolver ?? open,
  timeoutMs: extra.timeoutMs ?? 2_000,
  userAgent: "InboxWebhooks/9.9.9",
  ...(extra.signal ? { signal: extra.signal } : {}),
});

const receiver = receiversStoppedAfterAll();

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("send and the webhook URL", () => {
  test("each URL, sent to repeatedly, keeps its own path, query, Host and credentials", async () => {
    const r = receiver();
    const base = `127.0.0.1:${r.port}`;
    const urls = [
      { url: `http://${base}/a?x=1`, path: "/a?x=1", auth: null },
      { url: `http://${base}/b`, path: "/b", auth: null },
      { url: `http://alice:s%3Acret@${base}/a?x=1`, path: "/a?x=1", auth: basic("alice", "s:cret") },
      { url: `http://bob:pw@${base}/a?x=1`, path: "/a?x=1", auth: basic("bob", "pw") },
      { url: `http://only-user@${base}/c`, path: "/c", auth: basic("only-user", "") },
    ];
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      for (const { url } of urls) {
        expect(await send({ url, secret }, request, opts())).toMatchObject({ ok: true, status: 200 });
      }
    }
    const got = await r.waitFor(urls.length * rounds);
    got.forEach((req, i) => {
      const want = urls[i % urls.length];
      if (!want) throw new Error("index out of range");
      expect(req.path).toBe(want.path);
      expect(req.headers.get("host")).toBe(base);
      expect(req.headers.get("authorization")).toBe(want.auth);
    });
  });

  test("an invalid URL or another scheme fails as network every time, before any connection", async () => {
    for (let i = 0; i < 2; i++) {
      expect(await send({ url: "not a url", secret }, request, opts())).toMatchObject({
        ok: false,
        errorClass: "network",
        message: "webhook URL is not a valid URL",
        status: null,
      });
      expect(await send({ url: "ftp://127.0.0.1/in", secret }, request, opts())).toMatchObject({
        ok: false,
        errorClass: "network",
        message: "unsupported URL scheme ftp:",
        status: null,
      });
    }
  });
});

describe("send and the shutdown signal", () => {
  test("aborting the shared signal ends every attempt in flight, waiting on DNS or on the receiver", async () => {
    const r = receiver(() => hang());
    const shutdown = new AbortController();
    const slowDns: TargetResolver = { resolve: () => new Promise(() => {}) };
    const timeoutMs = 10_000;
    const inFlight = [
      ...Array.from({ length: 5 }, () =>
        send({ url: r.url, secret }, request, opts({ timeoutMs, signal: shutdown.signal })),
      ),
      ...Array.from({ length: 3 }, () =>
        send(
          { url: "https://hooks.example.test/in", secret },
          request,
          opts({ resolver: slowDns, timeoutMs, signal: shutdown.signal }),
        ),
      ),
    ];
    await r.waitFor(5);
    shutdown.abort();
    for (const outcome of await Promise.all(inFlight)) {
      expect(outcome).toMatchObject({
        ok: false,
        errorClass: "network",
        message: "attempt aborted: shutting down",
      });
      expect(outcome.durationMs).toBeLessThan(timeoutMs);
    }
    // An attempt started after the shutdown ends at once, without a request.
    const late = await send({ url: r.url, secret }, request, opts({ timeoutMs, signal: shutdown.signal }));
    expect(late).toMatchObject({
      ok: false,
      errorClass: "network",
      message: "attempt aborted: shutting down",
    });
    await Bun.sleep(50);
    expect(r.requests).toHaveLength(5);
  });

  test("attempts finished before a shutdown are unaffected, and a new signal works afresh", async () => {
    const r = receiver();
    const first = new AbortController();
    const done = await Promise.all(
      Array.from({ length: 10 }, () => send({ url: r.url, secret }, request, opts({ signal: first.signal }))),
    );
    for (const outcome of done) expect(outcome).toMatchObject({ ok: true, status: 200 });
    first.abort();
    const second = new AbortController();
    expect(await send({ url: r.url, secret }, request, opts({ signal: second.signal }))).toMatchObject({
      ok: true,
      status: 200,
    });
  });
});
