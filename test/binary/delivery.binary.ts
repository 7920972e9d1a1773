// The delivery engine through the compiled binary, as a newcomer meets it: a webhook on a real receiver,
// each of the four documented event types published, a failing receiver retried on a shortened schedule
// until it succeeds or the delivery fails, every attempt in the logs, and a SIGKILL in the middle of a
// retry with nothing lost after the restart. Run by `bun run test` after the build.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import {
  api,
  eventually,
  makeSandbox,
  parseFirstStartKeys,
  type RunningServer,
  type Sandbox,
  startServer,
} from "./binary-harness";

/** Delays before attempts 1..4: immediate, then 400 ms, 800 ms, 1.2 s. */
const SCHEDULE_MS = [0, 400, 800, 1200];
const env = { INBOX_ALLOW_PRIVATE_TARGETS: "true", INBOX_RETRY_SCHEDULE: "0,400ms,800ms,1200ms" };

interface Arrival {
  eventId: string;
  type: string;
  at: number;
  signatureOk: boolean;
}

/**
 * A receiver that answers 500 to the first `failuresFor(type)` requests of each event, then 200;
 * Infinity never succeeds. It checks every signature the way the public docs do.
 */
function startReceiver(failuresFor: (type: string) => number, secret: () => string) {
  const arrivals: Arrival[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const body = await req.text();
      const envelope = JSON.parse(body) as { id: string; type: string };
      const expected = createHmac("sha256", secret()).update(body, "utf8").digest("hex");
      const signatureOk = req.headers.get("x-inbox-signature") === `sha256=${expected}`;
      arrivals.push({ eventId: envelope.id, type: envelope.type, at: Date.now(), signatureOk });
      const seen = arrivals.filter((a) => a.eventId === envelope.id).length;
      return seen > failuresFor(envelope.type)
        ? new Response("ok")
        : new Response("try later", { status: 500 });
    },
  });
  return { arrivals, url: `http://127.0.0.1:${server.port}/hooks`, stop: () => server.stop(true) };
}

interface LoggedAttempt {
  attempt: number;
  outcome: string;
  status_code: number | null;
  started_at: string;
}

let sandbox: Sandbox;
let server: RunningServer;
let apiKey: string;
let secret = "";
const receiver = startReceiver(
  (type) => ({ "message.delivered": 0, "message.read": 0, "message.failed": 2 })[type] ?? Infinity,
  () => secret,
);

async function deliveryOf(eventId: string) {
  const res = await api(server, apiKey, "GET", `/v1/events/${eventId}`);
  expect(res.status).toBe(200);
  return (res.body as { deliveries: { id: string; status: string; attempt_count: number }[] }).deliveries[0]!;
}

async function attemptsOf(webhookId: string, eventId: string): Promise<LoggedAttempt[]> {
  const res = await api(server, apiKey, "GET", `/v1/webhooks/${webhookId}/logs?event_id=${eventId}`);
  expect(res.status).toBe(200);
  return (res.body as { data: LoggedAttempt[] }).data;
}

beforeAll(async () => {
  sandbox = makeSandbox();
  server = await startServer(sandbox, [], env);
  apiKey = parseFirstStartKeys(server.stderr()).apiKey!;
  expect(apiKey).toBeTruthy();
});

afterAll(async () => {
  if (server) await server.stop("SIGKILL").catch(() => {});
  receiver.stop();
  sandbox.remove();
});

describe("delivery through the binary", () => {
  let webhookId: string;
  const published = new Map<string, string>(); // type -> event id

  test("each of the four event types, published with the docs' example data, reaches the receiver", async () => {
    const created = await api(server, apiKey, "POST", "/v1/webhooks", { url: receiver.url, events: ["*"] });
    expect(created.status).toBe(201);
    ({ id: webhookId, secret } = created.body as { id: string; secret: string });

    const catalog = await api(server, apiKey, "GET", "/v1/event-types");
    const listed = (
      catalog.body as { data: { type: string; operator_only: boolean; example: { data: unknown } }[] }
    ).data;
    // The operator's types (webhook.disabled, delivery.failed) are listed too, for accounts to read.
    const types = listed.filter((t) => !t.operator_only);
    expect(listed.filter((t) => t.operator_only).map((t) => t.type)).toEqual([
      "webhook.disabled",
      "delivery.failed",
    ]);
    expect(types.map((t) => t.type).sort()).toEqual([
      "message.action",
      "message.delivered",
      "message.failed",
      "message.read",
    ]);
    for (const { type, example } of types) {
      const res = await api(server, apiKey, "POST", "/v1/events", { type, data: example.data });
      expect(res.status).toBe(202);
      published.set(type, (res.body as { id: string }).id);
    }
    await eventually(() => (receiver.arrivals.length >= 4 ? true : undefined), 10_000);
    for (const [type, id] of published) {
      expect(receiver.arrivals.find((a) => a.eventId === id)?.type).toBe(type);
    }
    expect(receiver.arrivals.every((a) => a.signatureOk)).toBe(true);
  });

  test("a receiver failing twice is retried on the schedule until it succeeds, every attempt logged", async () => {
    const id = published.get("message.failed")!;
    await eventually(async () => ((await deliveryOf(id)).status === "succeeded" ? true : undefined), 15_000);
    const arrivals = receiver.arrivals.filter((a) => a.eventId === id);
    expect(arrivals).toHaveLength(3);
    // Never early: the gap before attempt n+1 is at least the schedule's delay before it.
    for (let i = 1; i < arrivals.length; i++) {
      expect(arrivals[i]!.at - arrivals[i - 1]!.at).toBeGreaterThanOrEqual(SCHEDULE_MS[i]! - 20);
    }
    const logged = await attemptsOf(webhookId, id);
    expect(logged.map((a) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [3, "succeeded", 200],
      [2, "failed", 500],
      [1, "failed", 500],
    ]);
  });

  test("a receiver that never succeeds gets every scheduled attempt, then the delivery is failed", async () => {
    const id = published.get("message.action")!;
    await eventually(async () => ((await deliveryOf(id)).status === "failed" ? true : undefined), 15_000);
    const delivery = await deliveryOf(id);
    expect(delivery.attempt_count).toBe(SCHEDULE_MS.length);
    expect(receiver.arrivals.filter((a) => a.eventId === id)).toHaveLength(SCHEDULE_MS.length);
    const logged = await attemptsOf(webhookId, id);
    expect(logged.map((a) => a.attempt)).toEqual([4, 3, 2, 1]);
    expect(logged.every((a) => a.outcome === "failed" && a.status_code === 500)).toBe(true);
    // And nothing more is tried after it failed.
    await Bun.sleep(SCHEDULE_MS.at(-1)! + 400);
    expect(receiver.arrivals.filter((a) => a.eventId === id)).toHaveLength(SCHEDULE_MS.length);
  });

  test("/metrics counts what happened: events, attempts by outcome, finished deliveries, latencies", async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/plain");
    const text = await res.text();
    const value = (series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value("inbox_events_published_total")).toBe(4);
    // message.delivered, .read: 1 success each; .failed: 2 failures + 1 success; .action: 4 failures.
    expect(value('inbox_delivery_attempts_total{error_class="none",outcome="succeeded"}')).toBe(3);
    expect(value('inbox_delivery_attempts_total{error_class="http_status",outcome="failed"}')).toBe(6);
    expect(value("inbox_deliveries_succeeded_total")).toBe(3);
    expect(value("inbox_deliveries_failed_total")).toBe(1);
    expect(value("inbox_attempt_duration_seconds_count")).toBe(9);
    expect(value("inbox_publish_to_first_attempt_seconds_count")).toBe(4);
    expect(value("inbox_deliveries_pending")).toBe(0);
    expect(value("inbox_store_size_bytes")).toBeGreaterThan(0);
    // No secret or key ever reaches the logs.
    const logs = JSON.stringify(server.logs);
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(apiKey);
  });

  test("a SIGKILL between a failed attempt and its retry loses nothing: the retry comes after restart", async () => {
    const example = {
      message_id: "msg_9",
      to: "+15551234567",
      error_code: "x",
      error_message: "y",
      failed_at: "2025-01-15T10:30:00Z",
    };
    const res = await api(server, apiKey, "POST", "/v1/events", { type: "message.failed", data: example });
    expect(res.status).toBe(202);
    const id = (res.body as { id: string }).id;
    // The first attempt fails (500); kill the process before the retry 400 ms later.
    await eventually(() => (receiver.arrivals.some((a) => a.eventId === id) ? true : undefined), 5_000);
    await eventually(async () => ((await deliveryOf(id)).attempt_count === 1 ? true : undefined), 5_000);
    expect(await server.stop("SIGKILL")).not.toBe(0);

    server = await startServer(sandbox, [], env);
    await eventually(async () => ((await deliveryOf(id)).status === "succeeded" ? true : undefined), 15_000);
    const logged = await attemptsOf(webhookId, id);
    expect(logged.map((a) => [a.attempt, a.outcome])).toEqual([
      [3, "succeeded"],
      [2, "failed"],
      [1, "failed"],
    ]);
    // The webhook, its secret and the earlier events survived too.
    const before = await api(server, apiKey, "GET", `/v1/events/${published.get("message.read")}`);
    expect(before.status).toBe(200);
    expect(receiver.arrivals.every((a) => a.signatureOk)).toBe(true);
  });
});
