// Receivers that misbehave, reached through the real server process: each outcome must land in the
// webhook's attempt log with the right error_class and status_code, the (shortened) retry schedule
// must hold between attempts as the receiver sees them, and a healthy webhook must keep its latency
// while a hanging one holds all of its own concurrency slots.
// All scenarios are published up front and run side by side; each test then checks one of them.
// Timing assertions are lower bounds (gaps >= configured delays) or generous ceilings only.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Api, type Attempt, deliveredData } from "./support/api";
import {
  type FaultReceiver,
  httpReceiver,
  resetReceiver,
  scheduleViolations,
  slowHugeBody,
} from "./support/fault-receivers";
import { ServerProcess } from "./support/server-process";
import { waitFor } from "./support/wait";

const SCHEDULE_MS = [0, 300, 600];
const TIMEOUT_MS = 2000;
const HUGE_BYTES = 50 * 1024 * 1024;

interface Scenario {
  key: string;
  webhookId: string;
  eventIds: string[];
}

let server: ServerProcess;
const api = new Api(() => server.url);
const receivers: FaultReceiver[] = [];
const never = () => new Promise<Response>(() => {});

function track(receiver: FaultReceiver): FaultReceiver {
  receivers.push(receiver);
  return receiver;
}

const hang = track(httpReceiver(never));
const saturated = track(httpReceiver(never));
const reset = track(resetReceiver());
const slow = track(
  httpReceiver(async () => {
    await Bun.sleep(800);
    return new Response("slow but fine");
  }),
);
let hugeBody: ReturnType<typeof slowHugeBody> | undefined;
const huge = track(
  httpReceiver(() => {
    hugeBody = slowHugeBody(HUGE_BYTES, 5);
    return new Response(hugeBody.stream, { status: 200, headers: { "content-type": "text/plain" } });
  }),
);
const redirectTarget = track(httpReceiver(() => new Response("should never be reached")));
const REDIRECTS = [301, 307, 308];
const redirect = track(
  httpReceiver(
    (_req, a) =>
      new Response(null, {
        status: REDIRECTS[(a.attempt - 1) % 3],
        headers: { location: redirectTarget.url },
      }),
  ),
);
const gone = track(httpReceiver(() => new Response("gone", { status: 410 })));
const limited = track(
  httpReceiver((_req, a) =>
    a.attempt === 1
      ? new Response("slow down", { status: 429, headers: { "retry-after": "2" } })
      : new Response("ok"),
  ),
);
const STORM = [500, 502, 503, 504];
const stormStatus = (attempt: number, index: number) => STORM[(attempt + index) % STORM.length] as number;
const stormIndex = new Map<string, number>();
const storm = track(
  httpReceiver(async (req, a) => {
    // The index travels in the payload: the first attempt can arrive before publish() returns here.
    const envelope = (await req.json()) as { data: { message_id: string } };
    const index = Number(envelope.data.message_id.replace("msg_", ""));
    return new Response(`storm ${index}`, { status: stormStatus(a.attempt, index) });
  }),
);
const healthy = track(httpReceiver(() => new Response("ok")));

const scenarios: Record<string, Scenario> = {};
let refusedUrl = "";

async function scenario(name: string, url: string, events: number): Promise<Scenario> {
  const { key } = await api.createAccount(server.adminKey, `fault-${name}`);
  const webhookId = await api.registerWebhook(key, url);
  const eventIds: string[] = [];
  for (let i = 0; i < events; i++)
    eventIds.push(await api.publish(key, "message.delivered", deliveredData(i)));
  const created = { key, webhookId, eventIds };
  scenarios[name] = created;
  return created;
}

/** Waits until every delivery of the scenario has finished, then answers its attempt log, oldest first. */
async function finished(s: Scenario, timeoutMs = 30_000): Promise<Attempt[]> {
  for (const eventId of s.eventIds) {
    await waitFor(
      `deliveries of ${eventId} to finish`,
      async () => {
        const list = await api.deliveriesOfEvent(s.key, eventId);
        return list.length === 1 && list.every((d) => d.status !== "pending");
      },
      { timeoutMs, intervalMs: 100 },
    );
  }
  return (await api.logs(s.key, s.webhookId)).reverse();
}

beforeAll(async () => {
  server = await ServerProcess.start({
    env: {
      INBOX_RETRY_SCHEDULE: SCHEDULE_MS.map((ms) => `${ms}ms`).join(","),
      INBOX_TIMEOUT: `${TIMEOUT_MS}ms`,
      INBOX_WEBHOOK_CONCURRENCY: "2",
    },
  });
  const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  refusedUrl = `http://127.0.0.1:${closed.port}/hook`;
  closed.stop(true);
  await Promise.all([
    scenario("hang", hang.url, 1),
    scenario("reset", reset.url, 1),
    scenario("refused", refusedUrl, 1),
    scenario("slow", slow.url, 1),
    scenario("huge", huge.url, 1),
    scenario("redirect", redirect.url, 1),
    scenario("gone", gone.url, 1),
    scenario("limited", limited.url, 1),
    (async () => {
      const s = await scenario("storm", storm.url, 0);
      for (let i = 0; i < 20; i++) {
        const id = await api.publish(s.key, "message.delivered", deliveredData(i));
        stormIndex.set(id, i);
        s.eventIds.push(id);
      }
    })(),
  ]);
}, 30_000);

afterAll(async () => {
  await server?.dispose();
  for (const receiver of receivers) receiver.stop();
});

describe("fault receivers", () => {
  test("a healthy webhook keeps its latency while a hanging one is saturated", async () => {
    const sat = await scenario("saturated", saturated.url, 8);
    const ok = await scenario("healthy", healthy.url, 0);
    await waitFor("the hanging webhook to hold its 2 slots", () => saturated.arrivals.length >= 2);
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const sentAt = performance.now();
      const id = await api.publish(ok.key, "message.delivered", deliveredData(i));
      const arrival = await waitFor(`event ${id} at the healthy receiver`, () =>
        healthy.arrivals.find((a) => a.eventId === id),
      );
      latencies.push(arrival.at - sentAt);
      await Bun.sleep(100);
    }
    // Still saturated: per-webhook concurrency 2, no hanging attempt can have ended faster than the timeout.
    expect(saturated.arrivals.length).toBeLessThanOrEqual(
      2 * Math.ceil((performance.now() - saturated.arrivals[0]!.at) / TIMEOUT_MS) + 2,
    );
    expect(sat.eventIds).toHaveLength(8);
    console.log(`[resilience] healthy latency while saturated: max ${Math.round(Math.max(...latencies))} ms`);
    expect(Math.max(...latencies)).toBeLessThan(2000);
  }, 40_000);

  test("a hanging receiver times out on every attempt, on schedule", async () => {
    const attempts = await finished(scenarios.hang!);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.error_class, a.status_code])).toEqual([
      [1, "failed", "timeout", null],
      [2, "failed", "timeout", null],
      [3, "failed", "timeout", null],
    ]);
    for (const a of attempts) {
      expect(a.duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
      expect(a.duration_ms).toBeLessThan(TIMEOUT_MS + 5000);
    }
    expect(scheduleViolations(hang.of(attempts[0]!.delivery_id!), SCHEDULE_MS)).toEqual([]);
  }, 40_000);

  test("a connection reset is logged as reset, on schedule", async () => {
    const attempts = await finished(scenarios.reset!);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.error_class, a.status_code])).toEqual([
      [1, "failed", "reset", null],
      [2, "failed", "reset", null],
      [3, "failed", "reset", null],
    ]);
    const arrivals = reset.of(attempts[0]!.delivery_id!);
    expect(arrivals).toHaveLength(3);
    expect(scheduleViolations(arrivals, SCHEDULE_MS)).toEqual([]);
  }, 30_000);

  test("a closed port is logged as connection_refused", async () => {
    const attempts = await finished(scenarios.refused!);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.error_class, a.status_code])).toEqual([
      [1, "failed", "connection_refused", null],
      [2, "failed", "connection_refused", null],
      [3, "failed", "connection_refused", null],
    ]);
  }, 30_000);

  test("a slow answer within the timeout succeeds and its duration shows it", async () => {
    const [attempt, ...rest] = await finished(scenarios.slow!);
    expect(rest).toEqual([]);
    expect(attempt).toMatchObject({ attempt: 1, outcome: "succeeded", status_code: 200, error_class: null });
    expect(attempt!.duration_ms).toBeGreaterThanOrEqual(700);
    expect(attempt!.response_body).toBe("slow but fine");
  }, 30_000);

  test("a 50 MB streamed body is cut at 4 KiB without reading it all", async () => {
    const [attempt, ...rest] = await finished(scenarios.huge!);
    expect(rest).toEqual([]);
    expect(attempt).toMatchObject({ attempt: 1, outcome: "succeeded", status_code: 200 });
    expect(new TextEncoder().encode(attempt!.response_body ?? "").byteLength).toBeLessThanOrEqual(4096);
    expect(attempt!.response_body).toStartWith("aaaa");
    // Reading all of it would take > 4 s at one 64 KiB chunk per 5 ms, past the 2 s timeout.
    expect(attempt!.duration_ms).toBeLessThan(TIMEOUT_MS);
    expect(hugeBody!.pulled()).toBeLessThan(HUGE_BYTES);
  }, 30_000);

  test("redirects are failures and are never followed", async () => {
    const attempts = await finished(scenarios.redirect!);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.error_class, a.status_code])).toEqual([
      [1, "failed", "redirect", 301],
      [2, "failed", "redirect", 307],
      [3, "failed", "redirect", 308],
    ]);
    expect(redirectTarget.arrivals).toEqual([]);
    expect(scheduleViolations(redirect.of(attempts[0]!.delivery_id!), SCHEDULE_MS)).toEqual([]);
  }, 30_000);

  test("410 is logged as an http_status failure and disables the webhook after that one attempt", async () => {
    const attempts = await finished(scenarios.gone!);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      outcome: "failed",
      error_class: "http_status",
      status_code: 410,
      response_body: "gone",
    });
    // The disable cancelled the delivery with the rest of the webhook's backlog (issue 10 item 2).
    const [delivery] = await api.deliveriesOfEvent(scenarios.gone!.key, scenarios.gone!.eventIds[0]!);
    expect(delivery!.status).toBe("cancelled");
  }, 30_000);

  test("429 with Retry-After delays the next attempt at least that long", async () => {
    const attempts = await finished(scenarios.limited!);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.error_class, a.status_code])).toEqual([
      [1, "failed", "http_status", 429],
      [2, "succeeded", null, 200],
    ]);
    const arrivals = limited.of(attempts[0]!.delivery_id!);
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(2000 - 10);
  }, 30_000);

  test("a 5xx storm fails every delivery after the whole schedule, each attempt logged", async () => {
    const s = scenarios.storm!;
    const attempts = await finished(s);
    expect(attempts).toHaveLength(20 * SCHEDULE_MS.length);
    for (const a of attempts) {
      const index = stormIndex.get(a.event_id);
      expect(index).toBeDefined();
      expect(a).toMatchObject({
        outcome: "failed",
        error_class: "http_status",
        status_code: stormStatus(a.attempt, index!),
        response_body: `storm ${index}`,
      });
    }
    const failedOnly = await api.logs(s.key, s.webhookId, { status: "failed" });
    expect(failedOnly).toHaveLength(attempts.length);
    expect(await api.logs(s.key, s.webhookId, { status: "succeeded" })).toEqual([]);
    const deliveryIds = new Set(storm.arrivals.map((a) => a.deliveryId));
    expect(deliveryIds.size).toBe(20);
    for (const id of deliveryIds) {
      const arrivals = storm.of(id);
      expect(arrivals.map((a) => a.attempt)).toEqual([1, 2, 3]);
      expect(scheduleViolations(arrivals, SCHEDULE_MS)).toEqual([]);
    }
  }, 40_000);
});
