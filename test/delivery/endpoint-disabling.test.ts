// Disabling dead endpoints and the operator's operational events, end to end on both stores: the
// real API (webhooks registered, events published through it) over a real store, the real delivery
// engine started, real receivers on 127.0.0.1, short schedules. A receiver answering 410 gets one
// attempt and its webhook is disabled "gone"; one failing for longer than disableAfterMs is disabled
// "failing"; the operator's webhooks receive webhook.disabled and delivery.failed, signed (checked
// with the docs' verifySignature and the standardwebhooks library); account webhooks never do, and
// the operator's own failures are never reported (no loop).

import { beforeEach, describe, expect, test } from "bun:test";
import crypto from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { Config } from "../../src/config/config";
import { bootstrapAccess } from "../../src/domain/bootstrap";
import { createOperations } from "../../src/domain/operations";
import { Metrics } from "../../src/observability/metrics";
import { ADMIN_KEY, testApp } from "../http/harness";
import { cleanupAfterEach } from "../support/cleanups";
import { type Receiver, type RecordedRequest, startReceiver } from "../support/receiver";
import { silentLogger } from "../support/silent-logger";
import { engineFor, testConfig } from "./fixtures";
import { STORE_KINDS, type StoreKind, storeKinds } from "./store-kinds";

// The docs' verifySignature, verbatim.
function verifySignature(payload: string | Buffer, signature: string, secret: string) {
  const expectedSignature = crypto.createHmac("sha256", secret).update(payload, "utf8").digest("hex");

  const receivedSignature = signature.replace("sha256=", "");

  return crypto.timingSafeEqual(Buffer.from(expectedSignature, "hex"), Buffer.from(receivedSignature, "hex"));
}

const cleanups = cleanupAfterEach();
const stores = storeKinds();
let kind: StoreKind = "lmdb";

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
type Json = any;

/** The API and the engine over one store, as src/app.ts composes them, with the engine started. */
async function setup(overrides: Partial<Config>) {
  const { store, dir } = await stores.openTemp(kind, cleanups);
  const config = testConfig({ dataDir: dir.path, adminKey: ADMIN_KEY, ...overrides });
  const metrics = new Metrics();
  const operations = createOperations({ store, logger: silentLogger, metrics, now: Date.now });
  const { engine } = engineFor(store, config, { operations, metrics });
  cleanups.push(() => engine.stop(0));
  const app = testApp(store, config, { delivery: engine, operations, metrics });
  const boot = await bootstrapAccess(store, config, Date.now());
  const accountKey = boot.defaultAccount?.apiKey as string;
  engine.start();
  const call = async (method: string, path: string, body?: unknown, key = accountKey) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await app.handle(
      new Request(`http://localhost${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as Json };
  };
  /** Registers a webhook (the admin key: the operator's) and answers it with its secret. */
  const register = async (url: string, events: string[], key = accountKey) => {
    const res = await call("POST", "/v1/webhooks", { url, events }, key);
    if (res.status !== 201) throw new Error(`register answered ${res.status}: ${JSON.stringify(res.json)}`);
    return res.json as { id: string; secret: string };
  };
  const publish = async (n = 1) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await call("POST", "/v1/events", {
        type: "message.delivered",
        data: {
          message_id: `msg_${i}`,
          to: "+15551234567",
          delivered_at: "2025-01-15T10:25:03Z",
          device_id: "dev_1",
        },
      });
      if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${JSON.stringify(res.json)}`);
      ids.push(res.json.id as string);
    }
    return ids;
  };
  return { store, metrics, call, register, publish, accountId: boot.defaultAccount?.id as string };
}

function receiver(...args: Parameters<typeof startReceiver>): Receiver {
  const r = startReceiver(...args);
  cleanups.push(() => r.stop());
  return r;
}

/** The request's envelope, after checking both signatures with the webhook's secret. */
function verified(req: RecordedRequest, secret: string): Json {
  expect(verifySignature(req.body, req.headers.get("x-inbox-signature") ?? "", secret)).toBe(true);
  new Webhook(secret).verify(req.body, {
    "webhook-id": req.headers.get("webhook-id") ?? "",
    "webhook-timestamp": req.headers.get("webhook-timestamp") ?? "",
    "webhook-signature": req.headers.get("webhook-signature") ?? "",
  });
  return JSON.parse(req.body);
}

const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe.each(STORE_KINDS)("disabling dead endpoints (%s)", (storeKind) => {
  beforeEach(() => {
    kind = storeKind;
  });

  test("a receiver answering 410 gets one attempt; the webhook is disabled gone and its backlog cancelled", async () => {
    const app = await setup({ webhookConcurrency: 1, retrySchedule: [0, 50, 100] });
    // The receiver answers once all three events are published (and have their deliveries).
    let release = () => {};
    const published = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gone = receiver(async () => {
      await published;
      return new Response("gone", { status: 410 });
    });
    const operator = receiver();
    const watcher = await app.register(`${operator.url}/ops`, ["webhook.disabled"], ADMIN_KEY);
    const hook = await app.register(`${gone.url}/in`, ["message.delivered"]);
    const events = await app.publish(3);
    release();

    const [notice] = await operator.waitFor(1);
    await Bun.sleep(300); // two retry intervals: nothing more reaches the 410 receiver
    expect(gone.requests).toHaveLength(1);

    const shown = await app.call("GET", `/v1/webhooks/${hook.id}`);
    expect(shown.json).toMatchObject({ enabled: false, disabled_reason: "gone" });
    expect(shown.json.disabled_at).toMatch(RFC3339_SECONDS);
    for (const id of events) {
      const event = await app.call("GET", `/v1/events/${id}`);
      expect(event.json.deliveries.map((d: Json) => d.status)).toEqual(["cancelled"]);
    }
    expect(app.metrics.webhooksDisabled.get({ reason: "gone" })).toBe(1);

    const envelope = verified(notice as RecordedRequest, watcher.secret);
    expect(envelope.type).toBe("webhook.disabled");
    expect(envelope.data).toEqual({
      account_id: app.accountId,
      webhook_id: hook.id,
      reason: "gone",
      disabled_at: shown.json.disabled_at,
    });
  });

  test("a receiver failing for longer than disableAfterMs is disabled failing", async () => {
    const app = await setup({ disableAfterMs: 300, retrySchedule: [0, ...Array(20).fill(60)] });
    const failing = receiver(() => new Response("down", { status: 503 }));
    const operator = receiver();
    const watcher = await app.register(`${operator.url}/ops`, ["*"], ADMIN_KEY);
    const hook = await app.register(`${failing.url}/in`, ["*"]);
    await app.publish(1);

    const [notice] = await operator.waitFor(1, 10_000);
    const shown = await app.call("GET", `/v1/webhooks/${hook.id}`);
    expect(shown.json).toMatchObject({ enabled: false, disabled_reason: "failing" });
    const times = failing.requests.map((r) => r.at);
    // Not before disableAfterMs of failures, and within the check interval (300 ms) after it.
    expect(times.length).toBeGreaterThan(1);
    expect((times.at(-1) as number) - (times[0] as number)).toBeGreaterThanOrEqual(300 - 60);
    const envelope = verified(notice as RecordedRequest, watcher.secret);
    expect(envelope).toMatchObject({
      type: "webhook.disabled",
      data: { webhook_id: hook.id, reason: "failing" },
    });
    const count = failing.requests.length;
    await Bun.sleep(200);
    expect(failing.requests).toHaveLength(count);
    expect(app.metrics.webhooksDisabled.get({ reason: "failing" })).toBe(1);
  });

  test("a webhook re-enabled after being disabled failing gets a whole disableAfterMs of failures again", async () => {
    const app = await setup({ disableAfterMs: 400, retrySchedule: [0, ...Array(40).fill(50)] });
    const failing = receiver(() => new Response("down", { status: 503 }));
    const hook = await app.register(`${failing.url}/in`, ["*"]);
    const reason = async () => (await app.call("GET", `/v1/webhooks/${hook.id}`)).json.disabled_reason;
    await app.publish(1);
    for (let i = 0; i < 100 && (await reason()) !== "failing"; i++) await Bun.sleep(20);
    expect(await reason()).toBe("failing");
    await Bun.sleep(450); // the last check is older than the check interval: the next failure checks

    const before = failing.requests.length;
    const enabledAt = Date.now();
    expect((await app.call("PUT", `/v1/webhooks/${hook.id}`, { enabled: true })).status).toBe(200);
    await app.publish(1);
    await failing.waitFor(before + 1);
    await Bun.sleep(150);
    // Its run of failures counts from the re-enable, not from the failures before the disable.
    expect(await reason()).toBe(null);
    for (let i = 0; i < 100 && (await reason()) !== "failing"; i++) await Bun.sleep(20);
    expect(await reason()).toBe("failing");
    expect(Date.now() - enabledAt).toBeGreaterThanOrEqual(400);
    expect(failing.requests.length - before).toBeGreaterThan(2);
    expect(app.metrics.webhooksDisabled.get({ reason: "failing" })).toBe(2);
  });

  test("disableAfterMs 0 never disables; an exhausted delivery reaches the operator as delivery.failed", async () => {
    const app = await setup({ disableAfterMs: 0, retrySchedule: [0, 50] });
    const failing = receiver(() => new Response("nope", { status: 500 }));
    const operator = receiver();
    const bystander = receiver();
    const watcher = await app.register(`${operator.url}/ops`, ["delivery.failed"], ADMIN_KEY);
    const hook = await app.register(`${failing.url}/in`, ["message.delivered"]);
    await app.register(`${bystander.url}/all`, ["*"]);
    const [eventId] = await app.publish(1);

    const [notice] = await operator.waitFor(1);
    expect(failing.requests).toHaveLength(2);
    const event = await app.call("GET", `/v1/events/${eventId}`);
    const failed = event.json.deliveries.find((d: Json) => d.webhook_id === hook.id);
    expect(failed.status).toBe("failed");
    const envelope = verified(notice as RecordedRequest, watcher.secret);
    expect(envelope.type).toBe("delivery.failed");
    expect(envelope.data).toEqual({
      account_id: app.accountId,
      webhook_id: hook.id,
      event_id: eventId,
      event_type: "message.delivered",
      delivery_id: failed.id,
      attempts: 2,
      last_status_code: 500,
      last_error: "HTTP 500",
    });
    const shown = await app.call("GET", `/v1/webhooks/${hook.id}`);
    expect(shown.json).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });
    // The account's "*" webhook got the account's event only, never an operational one.
    await Bun.sleep(150);
    expect(bystander.requests.map((r) => JSON.parse(r.body).type)).toEqual(["message.delivered"]);
  });

  test("the operator's own failing deliveries and disables are never reported (no loop)", async () => {
    const app = await setup({ disableAfterMs: 0, retrySchedule: [0, 50] });
    const failing = receiver(() => new Response("nope", { status: 500 }));
    // The first operator webhook's receiver fails (500); later it answers 410 Gone.
    let answer = 500;
    const broken = receiver(() => new Response("down", { status: answer }));
    const watching = receiver();
    const brokenHook = await app.register(`${broken.url}/ops`, ["*"], ADMIN_KEY);
    const watcher = await app.register(`${watching.url}/ops`, ["*"], ADMIN_KEY);
    const hook = await app.register(`${failing.url}/in`, ["message.delivered"]);
    await app.publish(2);

    // Two account deliveries fail: two delivery.failed events, each sent to both operator webhooks.
    // The broken one's deliveries of them fail twice each, and that is reported to nobody.
    await broken.waitFor(4);
    await watching.waitFor(2);
    await Bun.sleep(300);
    expect(broken.requests).toHaveLength(4);
    const seen = watching.requests.map((r) => verified(r, watcher.secret));
    expect(seen.map((e) => [e.type, e.data.webhook_id])).toEqual([
      ["delivery.failed", hook.id],
      ["delivery.failed", hook.id],
    ]);

    // A 410 disables the operator's webhook; no webhook.disabled about it reaches the other one.
    answer = 410;
    await app.publish(1);
    await broken.waitFor(5);
    await watching.waitFor(3);
    await Bun.sleep(300);
    expect(broken.requests).toHaveLength(5);
    expect(watching.requests).toHaveLength(3);
    const shown = await app.call("GET", `/v1/webhooks/${brokenHook.id}`, undefined, ADMIN_KEY);
    expect(shown.json).toMatchObject({ enabled: false, disabled_reason: "gone" });
    expect(app.metrics.webhooksDisabled.get({ reason: "gone" })).toBe(1);
  });

  test("a manual disable is reported as every disable is", async () => {
    const app = await setup({});
    const operator = receiver();
    const watcher = await app.register(`${operator.url}/ops`, ["webhook.disabled"], ADMIN_KEY);
    const hook = await app.register("http://127.0.0.1:9/in", ["message.delivered"]);
    const res = await app.call("PUT", `/v1/webhooks/${hook.id}`, { enabled: false });
    expect(res.json).toMatchObject({ enabled: false, disabled_reason: "manual" });
    const [notice] = await operator.waitFor(1);
    expect(verified(notice as RecordedRequest, watcher.secret).data).toMatchObject({
      webhook_id: hook.id,
      reason: "manual",
      disabled_at: res.json.disabled_at,
    });
    expect(app.metrics.webhooksDisabled.get({ reason: "manual" })).toBe(1);
  });
});
