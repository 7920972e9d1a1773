// Recovery after an outage through the compiled binary, as an operator meets it: a receiver down for
// longer than the (shortened) retry schedule leaves every delivery failed; once it is back, one
// POST /v1/webhooks/{id}/recover answers 202 with the count and every delivery arrives once more, as
// its fourth attempt, the log keeping the three failures. Run by `bun run test` after the build.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { api, eventually, type FreshServer, type RunningServer, startFresh } from "./binary-harness";

// Three attempts over 300 ms stand for the default schedule's six over 2 h 42 min.
const env = { INBOX_ALLOW_PRIVATE_TARGETS: "true", INBOX_RETRY_SCHEDULE: "0,100ms,200ms" };
const EVENTS = 10;

/** A receiver that answers 503 while `down`, else 200, recording each request's delivery and attempt. */
function startReceiver() {
  const arrivals: Array<{ delivery: string; attempt: number; ok: boolean }> = [];
  const state = { down: true };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const ok = !state.down;
      arrivals.push({
        delivery: req.headers.get("x-inbox-delivery-id") ?? "",
        attempt: Number(req.headers.get("x-inbox-attempt")),
        ok,
      });
      return ok ? new Response("ok") : new Response("down", { status: 503 });
    },
  });
  return { arrivals, state, url: `http://127.0.0.1:${server.port}/hooks`, stop: () => server.stop(true) };
}

let fresh: FreshServer;
let server: RunningServer;
let key: string;
const receiver = startReceiver();

beforeAll(async () => {
  fresh = await startFresh(env);
  ({ server, apiKey: key } = fresh);
});

afterAll(async () => {
  await fresh?.close();
  receiver.stop();
});

interface Delivery {
  id: string;
  status: string;
  attempts: Array<{ attempt: number; outcome: string }>;
}

describe("recovery through the binary", () => {
  test("an outage longer than the schedule, then one recover call: every delivery arrives once", async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const hook = await api(server, key, "POST", "/v1/webhooks", { url: receiver.url, events: ["*"] });
    expect(hook.status).toBe(201);
    const webhookId = (hook.body as { id: string }).id;
    const types = await api(server, key, "GET", "/v1/event-types");
    const sample = (types.body as { data: { type: string; example: { data: unknown } }[] }).data[0];
    if (!sample) throw new Error("no event types");
    const eventIds: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const published = await api(server, key, "POST", "/v1/events", {
        type: sample.type,
        data: sample.example.data,
      });
      eventIds.push((published.body as { id: string }).id);
    }
    const deliveries = async () => {
      const all: Delivery[] = [];
      for (const id of eventIds) {
        const event = await api(server, key, "GET", `/v1/events/${id}`);
        const [d] = (event.body as { deliveries: Array<{ id: string }> }).deliveries;
        all.push((await api(server, key, "GET", `/v1/deliveries/${d?.id}`)).body as Delivery);
      }
      return all;
    };
    const failed = await eventually(async () => {
      const all = await deliveries();
      return all.every((d) => d.status === "failed") ? all : undefined;
    }, 10_000);
    expect(receiver.arrivals).toHaveLength(EVENTS * 3);

    receiver.state.down = false;
    const recovered = await api(server, key, "POST", `/v1/webhooks/${webhookId}/recover`, { since });
    expect(recovered.status).toBe(202);
    expect(recovered.body).toMatchObject({ webhook_id: webhookId, deliveries: EVENTS });
    const done = await eventually(async () => {
      const all = await deliveries();
      return all.every((d) => d.status === "succeeded") ? all : undefined;
    }, 10_000);
    const okArrivals = receiver.arrivals.filter((a) => a.ok);
    expect(okArrivals.map((a) => a.delivery).sort()).toEqual(failed.map((d) => d.id).sort());
    expect(okArrivals.every((a) => a.attempt === 4)).toBe(true);
    for (const d of done) {
      expect(d.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, "failed"],
        [2, "failed"],
        [3, "failed"],
        [4, "succeeded"],
      ]);
    }
    await eventually(() => (server.logs.some((l) => l.msg === "recovery finished") ? true : undefined));

    // Disabled, the webhook refuses a recovery, saying to enable it first.
    await api(server, key, "PUT", `/v1/webhooks/${webhookId}`, { enabled: false });
    const refused = await api(server, key, "POST", `/v1/webhooks/${webhookId}/recover`, { since });
    expect(refused.status).toBe(409);
    expect((refused.body as { error: { message: string } }).error.message).toContain("enable it first");
  }, 30_000);
});
