// A webhook's rate_limit through the compiled binary, as a user meets it: one batch of events goes to
// a webhook limited to 2 attempts per second and to one without a limit. The unlimited one gets
// every event at once; the limited one gets them one by one, 500 ms apart at the least (a few ms
// less is allowed for timer lateness made up and for the hop to the receiver, see
// src/delivery/rate-limit.ts). Run by `bun run test` after the build; takes about 2 s.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Receiver, startReceiver } from "../support/receiver";
import { api, eventually, type FreshServer, sampleEvent, startFresh } from "./binary-harness";

const RATE_PER_S = 2;
const EVENTS = 5;
/** What a start may come early (LATE_MS_MAX, 2 ms) plus how much one arrival may lag its start more than another's. */
const SLACK_MS = 100;

let fresh: FreshServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = startReceiver();
  fresh = await startFresh({ INBOX_ALLOW_PRIVATE_TARGETS: "true" });
});

afterAll(async () => {
  await fresh?.close();
  await receiver?.stop();
});

/** The requests that arrived at `path` of the receiver. */
const arrivedAt = (path: string) => receiver.requests.filter((r) => r.path === path);

describe("per-webhook rate limit through the binary", () => {
  test("a webhook limited to 2/s gets attempts no faster; another without a limit gets its at once", async () => {
    const { server, apiKey } = fresh;
    const register = async (path: string, rateLimit: number | null) => {
      const res = await api(server, apiKey, "POST", "/v1/webhooks", {
        url: `${receiver.url}${path}`,
        events: ["*"],
        rate_limit: rateLimit,
      });
      expect(res.status).toBe(201);
      expect((res.body as { rate_limit: number | null }).rate_limit).toBe(rateLimit);
    };
    await register("/limited", RATE_PER_S);
    await register("/free", null);

    const sample = await sampleEvent(server, apiKey);
    const batch = await api(server, apiKey, "POST", "/v1/events/batch", {
      events: Array.from({ length: EVENTS }, () => sample),
    });
    expect(batch.status).toBe(202);

    await eventually(() => (arrivedAt("/limited").length === EVENTS ? true : undefined), 10_000);
    const limited = arrivedAt("/limited").map((a) => a.at);
    const free = arrivedAt("/free").map((a) => a.at);
    expect(free.length).toBe(EVENTS);
    // Every first attempt (no retry made them late).
    expect(receiver.requests.map((a) => a.headers.get("x-inbox-attempt"))).toEqual(
      Array(2 * EVENTS).fill("1"),
    );

    // The limited webhook: the k-th arrival at least k intervals after the first.
    const intervalMs = 1000 / RATE_PER_S;
    const first = limited[0] ?? 0;
    const early = limited
      .map((t, k) => ({ k, afterFirstMs: Math.round(t - first) }))
      .filter(({ k, afterFirstMs }) => afterFirstMs < k * intervalMs - SLACK_MS);
    expect(early).toEqual([]);
    // The unlimited webhook did not wait behind it: all of its events came before the limited one's second.
    expect(Math.max(...free)).toBeLessThan(limited[1] ?? 0);
  }, 20_000);
});
