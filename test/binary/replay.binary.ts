// Replay and retry through the compiled binary, as a user meets them: an event delivered once is
// replayed and reaches the receiver again as a new delivery (the first one untouched), and once the
// webhook is disabled, both a retry and a replay to it answer 409 saying why. Run by `bun run test`
// after the build.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { api, eventually, type FreshServer, type RunningServer, startFresh } from "./binary-harness";

const env = { INBOX_ALLOW_PRIVATE_TARGETS: "true", INBOX_RETRY_SCHEDULE: "0,1h" };

/** A receiver that answers 200 (500 while `failing`) and records the envelope id of each request. */
function startReceiver() {
  const arrivals: string[] = [];
  const state = { failing: false };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      arrivals.push((JSON.parse(await req.text()) as { id: string }).id);
      return state.failing ? new Response("down", { status: 500 }) : new Response("ok");
    },
  });
  return { arrivals, state, url: `http://127.0.0.1:${server.port}/hooks`, stop: () => server.stop(true) };
}

interface Delivery {
  id: string;
  webhook_id: string;
  status: string;
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

describe("replay through the binary", () => {
  test("a delivered event replayed reaches the receiver again; a disabled webhook refuses retry and replay", async () => {
    const hook = await api(server, key, "POST", "/v1/webhooks", { url: receiver.url, events: ["*"] });
    expect(hook.status).toBe(201);
    const webhookId = (hook.body as { id: string }).id;
    const types = await api(server, key, "GET", "/v1/event-types");
    const sample = (types.body as { data: { type: string; example: { data: unknown } }[] }).data[0];
    if (!sample) throw new Error("no event types");
    const published = await api(server, key, "POST", "/v1/events", {
      type: sample.type,
      data: sample.example.data,
    });
    expect(published.status).toBe(202);
    const eventId = (published.body as { id: string }).id;
    const deliveries = async () =>
      ((await api(server, key, "GET", `/v1/events/${eventId}`)).body as { deliveries: Delivery[] })
        .deliveries;
    await eventually(async () => ((await deliveries())[0]?.status === "succeeded" ? true : undefined));

    const replay = await api(server, key, "POST", `/v1/events/${eventId}/replay`);
    expect(replay.status).toBe(202);
    const created = (replay.body as { deliveries: Delivery[] }).deliveries;
    expect(created.map((d) => d.webhook_id)).toEqual([webhookId]);
    await eventually(() =>
      receiver.arrivals.filter((id) => id === eventId).length === 2 ? true : undefined,
    );
    const both = await eventually(async () => {
      const all = await deliveries();
      return all.every((d) => d.status === "succeeded") ? all : undefined;
    });
    expect(both.map((d) => d.id)[1]).toBe(created[0]?.id);
    const logs = await api(server, key, "GET", `/v1/webhooks/${webhookId}/logs?event_id=${eventId}`);
    expect((logs.body as { data: unknown[] }).data).toHaveLength(2);

    // A delivery that failed its first attempt (the next is an hour away), then its webhook disabled.
    receiver.state.failing = true;
    const failing = await api(server, key, "POST", "/v1/events", {
      type: sample.type,
      data: sample.example.data,
    });
    const failingId = (failing.body as { id: string }).id;
    await eventually(() => (receiver.arrivals.includes(failingId) ? true : undefined));
    const off = await api(server, key, "PUT", `/v1/webhooks/${webhookId}`, { enabled: false });
    expect(off.status).toBe(200);
    const got = await api(server, key, "GET", `/v1/events/${failingId}`);
    const stuck = (got.body as { deliveries: Delivery[] }).deliveries[0];
    const retry = await api(server, key, "POST", `/v1/deliveries/${stuck?.id}/retry`);
    expect(retry.status).toBe(409);
    expect((retry.body as { error: { message: string } }).error.message).toContain("webhook is disabled");
    const named = await api(server, key, "POST", `/v1/events/${eventId}/replay`, { webhook_id: webhookId });
    expect(named.status).toBe(409);
    const none = await api(server, key, "POST", `/v1/events/${eventId}/replay`);
    expect(none).toEqual({ status: 202, body: { event_id: eventId, deliveries: [] } });
  });
});
