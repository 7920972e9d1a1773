// A receiver that answers 410 Gone, through the compiled binary, as a user meets it: one attempt,
// then the webhook shows enabled: false, disabled_reason "gone"; its backlog is cancelled and new
// events no longer reach it; the server logs one warning naming ids and the reason (never the URL),
// counts it in /metrics, and the operator's webhook (registered with the admin key) receives a
// signed webhook.disabled event. Run by `bun run test` after the build.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import crypto from "node:crypto";
import { api, eventually, type FreshServer, type RunningServer, startFresh } from "./binary-harness";

// The docs' verifySignature, verbatim.
function verifySignature(payload: string | Buffer, signature: string, secret: string) {
  const expectedSignature = crypto.createHmac("sha256", secret).update(payload, "utf8").digest("hex");

  const receivedSignature = signature.replace("sha256=", "");

  return crypto.timingSafeEqual(Buffer.from(expectedSignature, "hex"), Buffer.from(receivedSignature, "hex"));
}

// Retries a second apart: a webhook left enabled would be attempted again while the test watches.
const env = { INBOX_ALLOW_PRIVATE_TARGETS: "true", INBOX_RETRY_SCHEDULE: "0,1s,1s" };

interface Arrival {
  body: string;
  signature: string;
}

/** A receiver answering `status` that records each request's body and X-Inbox-Signature. */
function startReceiver(status: number) {
  const arrivals: Arrival[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      arrivals.push({ body: await req.text(), signature: req.headers.get("x-inbox-signature") ?? "" });
      return new Response(status === 410 ? "gone" : "ok", { status });
    },
  });
  return { arrivals, url: `http://127.0.0.1:${server.port}/hooks`, stop: () => server.stop(true) };
}

let fresh: FreshServer;
let server: RunningServer;
let key: string;
let adminKey: string;
const gone = startReceiver(410);
const operator = startReceiver(200);

beforeAll(async () => {
  fresh = await startFresh(env);
  ({ server, apiKey: key, adminKey } = fresh);
});

afterAll(async () => {
  await fresh?.close();
  gone.stop();
  operator.stop();
});

describe("a receiver that answers 410 Gone, through the binary", () => {
  test("gets one attempt; the webhook is disabled gone, logged, counted and reported to the operator", async () => {
    const watch = await api(server, adminKey, "POST", "/v1/webhooks", {
      url: operator.url,
      events: ["webhook.disabled"],
    });
    expect(watch.status).toBe(201);
    const watchSecret = (watch.body as { secret: string }).secret;
    const hook = await api(server, key, "POST", "/v1/webhooks", { url: gone.url, events: ["*"] });
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

    const shown = await eventually(async () => {
      const got = await api(server, key, "GET", `/v1/webhooks/${webhookId}`);
      return (got.body as { enabled: boolean }).enabled ? undefined : (got.body as Record<string, unknown>);
    });
    expect(shown).toMatchObject({ enabled: false, disabled_reason: "gone" });
    expect(shown.disabled_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const event = await api(server, key, "GET", `/v1/events/${eventId}`);
    expect((event.body as { deliveries: { status: string }[] }).deliveries.map((d) => d.status)).toEqual([
      "cancelled",
    ]);

    // The operator hears of it, signed with its webhook's secret.
    const [notice] = await eventually(() => (operator.arrivals.length > 0 ? operator.arrivals : undefined));
    if (!notice) throw new Error("no notice");
    expect(verifySignature(notice.body, notice.signature, watchSecret)).toBe(true);
    expect(JSON.parse(notice.body)).toMatchObject({
      type: "webhook.disabled",
      data: { webhook_id: webhookId, reason: "gone", disabled_at: shown.disabled_at },
    });

    // Past the next retry's time, and with a new event: still the one attempt.
    await api(server, key, "POST", "/v1/events", { type: sample.type, data: sample.example.data });
    await Bun.sleep(1_500);
    expect(gone.arrivals).toHaveLength(1);
    expect(operator.arrivals).toHaveLength(1);

    const warning = server.logs.filter((l) => l.msg === "webhook disabled");
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatchObject({ level: "warn", webhook_id: webhookId, reason: "gone" });
    expect(JSON.stringify(server.logs)).not.toContain(gone.url);
    const metrics = await fetch(`${server.url}/metrics`);
    expect(await metrics.text()).toContain('inbox_webhooks_disabled_total{reason="gone"} 1');

    // Enabled again by its account: the reason is cleared.
    const on = await api(server, key, "PUT", `/v1/webhooks/${webhookId}`, { enabled: true });
    expect(on.body).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });
  });
});
