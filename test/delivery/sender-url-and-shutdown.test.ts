// The sender's per-URL and per-signal bookkeeping against a real receiver on 127.0.0.1: URL parts
// parsed once per URL must still be exactly those of the URL sent to, and one shutdown signal shared
// by every attempt must end each one in flight, whatever stage it is in.

import { describe, expect, test } from "bun:test";
import { createTargetResolver, type TargetResolver } from "../../src/delivery/resolve-target";
import { type SendRequest, send } from "../../src/delivery/sender";
import { generateSecret } from "../../src/domain/webhook-secret";
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

describe("send and the webhook URL", () => {
  test("each URL, sent to repeatedly, keeps its own path, query and Host", async () => {
    const r = receiver();
    const base = `127.0.0.1:${r.port}`;
    const urls = [
      { url: `http://${base}/a?x=1`, path: "/a?x=1" },
      { url: `http://${base}/b`, path: "/b" },
      { url: `http://${base}/a?x=2#frag`, path: "/a?x=2" },
      { url: `http://${base}/c`, path: "/c" },
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
      expect(req.headers.get("authorization")).toBeNull();
    });
  });

  test("a stored URL with credentials (registration refuses them) fails before any connection, naming no part of them", async () => {
    const r = receiver();
    for (const url of [
      `http://alice:s%3Acret@127.0.0.1:${r.port}/a`,
      `http://only-user@127.0.0.1:${r.port}/a`,
      `https://:hunter2@127.0.0.1:${r.port}/a`,
    ]) {
      const outcome = await send({ url, secret }, request, opts());
      expect(outcome).toMatchObject({
        ok: false,
        errorClass: "network",
        message: "webhook URL must not contain credentials (user:password@)",
        status: null,
      });
      for (const part of ["alice", "cret", "only-user", "hunter2"])
        expect(JSON.stringify(outcome)).not.toContain(part);
    }
    await Bun.sleep(50);
    expect(r.requests).toHaveLength(0);
  });

  test("an invalid URL or another scheme fails as network every time, before any connection", async () => {
    for (let i = 0; i < 2; i++) {
      expect(await send({ url: "not a url", secret }, request, opts())).toMatchObject({
        ok: false,
        errorClass: "network",
        message: "webhook URL must be an absolute http or https URL",
        status: null,
      });
      expect(await send({ url: "ftp://127.0.0.1/in", secret }, request, opts())).toMatchObject({
        ok: false,
        errorClass: "network",
        message: "webhook URL must use the http or https scheme",
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
