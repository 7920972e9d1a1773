// The engine end to end on both stores (real LMDB in a temp dir, real PostgreSQL in a schema of its
// own), real receivers on 127.0.0.1, short schedules.

import { beforeEach, describe, expect, test } from "bun:test";
import crypto from "node:crypto";
import { Webhook } from "standardwebhooks";
import { createLogger } from "../../src/observability/logger";
import { cleanupAfterEach } from "../support/cleanups";
import { closedPort, hang, type Receiver, startReceiver, startResettingServer } from "../support/receiver";
import {
  createAccount,
  createWebhook,
  engineFor,
  publishLeased,
  statusOf,
  tempDir,
  testConfig,
  waitUntil,
} from "./fixtures";
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

async function openTestStore(dataDir: string) {
  const { store, close } = await stores.open(kind, dataDir);
  cleanups.push(close);
  return store;
}

async function setup(configOverrides: Parameters<typeof testConfig>[0] = {}) {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const store = await openTestStore(dir.path);
  const config = testConfig({ dataDir: dir.path, ...configOverrides });
  const { engine, metrics } = engineFor(store, config);
  cleanups.push(() => engine.stop(0));
  const account = await createAccount(store);
  return { dir, store, config, engine, metrics, account };
}

function receiver(...args: Parameters<typeof startReceiver>): Receiver {
  const r = startReceiver(...args);
  cleanups.push(() => r.stop());
  return r;
}

const publishAndAnnounce = publishLeased;

describe.each(STORE_KINDS)("delivery engine (%s)", (storeKind) => {
  beforeEach(() => {
    kind = storeKind;
  });

  test("delivers the signed envelope once and records the success", async () => {
    const { store, engine, metrics, account } = await setup();
    const r = receiver(() => new Response("accepted"));
    const webhook = await createWebhook(store, account, `${r.url}/in`);
    engine.start();
    const { event, deliveries } = await publishAndAnnounce(store, engine, account, [webhook], {
      data: { message_id: "msg_1", to: "+15551234567" },
    });
    const id = deliveries[0]?.id as string;
    await waitUntil("success", async () => (await statusOf(store, id)) === "succeeded");
    const [req] = r.requests;
    if (!req) throw new Error("no request");
    expect(req.body).toBe(
      JSON.stringify({
        id: event.id,
        type: "message.delivered",
        created_at: new Date(event.created_at).toISOString().replace(/\.\d{3}Z$/, "Z"),
        data: { message_id: "msg_1", to: "+15551234567" },
      }),
    );
    expect(verifySignature(req.body, req.headers.get("x-inbox-signature") ?? "", webhook.secret)).toBe(true);
    new Webhook(webhook.secret).verify(req.body, {
      "webhook-id": req.headers.get("webhook-id") ?? "",
      "webhook-timestamp": req.headers.get("webhook-timestamp") ?? "",
      "webhook-signature": req.headers.get("webhook-signature") ?? "",
    });
    expect(req.headers.get("x-inbox-delivery-id")).toBe(id);
    expect(req.headers.get("x-inbox-attempt")).toBe("1");
    expect(req.headers.get("user-agent")).toBe("InboxWebhooks/0.0.0-test");
    const attempts = await store.attempts.listForDelivery(id);
    expect(attempts).toHaveLength(1);
    expect(attempts?.[0]).toMatchObject({
      attempt: 1,
      outcome: "succeeded",
      status_code: 200,
      error_class: null,
      response_body: "accepted",
      test: false,
    });
    expect(metrics.deliveriesSucceeded.get()).toBe(1);
    expect(metrics.attempts.get({ outcome: "succeeded", error_class: "none" })).toBe(1);
    await Bun.sleep(100);
    expect(r.requests).toHaveLength(1);
  });

  test("retries on the schedule until the receiver accepts", async () => {
    const { store, engine, metrics, account } = await setup({ retrySchedule: [0, 50, 100, 100] });
    const r = receiver((_req, i) => new Response(i < 2 ? "not yet" : "ok", { status: i < 2 ? 500 : 200 }));
    const webhook = await createWebhook(store, account, r.url);
    engine.start();
    const { deliveries } = await publishAndAnnounce(store, engine, account, [webhook]);
    const id = deliveries[0]?.id as string;
    await waitUntil("success", async () => (await statusOf(store, id)) === "succeeded");
    const times = r.requests.map((q) => q.at);
    expect(times).toHaveLength(3);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(45);
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(95);
    expect(r.requests.map((q) => q.headers.get("x-inbox-attempt"))).toEqual(["1", "2", "3"]);
    const attempts = (await store.attempts.listForDelivery(id)).sort((a, b) => a.attempt - b.attempt);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.status_code, a.error_class])).toEqual([
      [1, "failed", 500, "http_status"],
      [2, "failed", 500, "http_status"],
      [3, "succeeded", 200, null],
    ]);
    expect(await store.deliveries.getById(id)).toMatchObject({ attempts: 3, status: "succeeded" });
    expect(metrics.attempts.get({ outcome: "failed", error_class: "http_status" })).toBe(2);
  });

  test("marks the delivery failed after the last attempt and never tries again", async () => {
    const { store, engine, metrics, account } = await setup({ retrySchedule: [0, 50, 100] });
    const r = receiver(() => new Response("nope", { status: 500 }));
    const webhook = await createWebhook(store, account, r.url);
    engine.start();
    const { deliveries } = await publishAndAnnounce(store, engine, account, [webhook]);
    const id = deliveries[0]?.id as string;
    await waitUntil("failure", async () => (await statusOf(store, id)) === "failed");
    await Bun.sleep(400);
    expect(r.requests).toHaveLength(3);
    expect(await store.deliveries.getById(id)).toMatchObject({
      attempts: 3,
      status: "failed",
      next_attempt_at: null,
    });
    expect(store.figures().pendingDeliveries).toBe(0);
    expect(metrics.deliveriesFailed.get()).toBe(1);
  });

  test("a redirect is a failure and is not followed", async () => {
    const { store, engine, account } = await setup({ retrySchedule: [0] });
    const r = receiver((req) =>
      req.path === "/old"
        ? new Response(null, { status: 302, headers: { Location: "/new" } })
        : new Response("ok"),
    );
    const webhook = await createWebhook(store, account, `${r.url}/old`);
    engine.start();
    const { deliveries } = await publishAndAnnounce(store, engine, account, [webhook]);
    const id = deliveries[0]?.id as string;
    await waitUntil("failure", async () => (await statusOf(store, id)) === "failed");
    expect((await store.attempts.listForDelivery(id))[0]).toMatchObject({
      error_class: "redirect",
      status_code: 302,
    });
    expect(r.requests.map((q) => q.path)).toEqual(["/old"]);
  });

  test("a 429 with Retry-After pushes the next attempt later than the schedule", async () => {
    const { store, engine, account } = await setup({ retrySchedule: [0, 10, 10] });
    const r = receiver((_req, i) =>
      i === 0 ? new Response("busy", { status: 429, headers: { "Retry-After": "1" } }) : new Response("ok"),
    );
    const webhook = await createWebhook(store, account, r.url);
    engine.start();
    const { deliveries } = await publishAndAnnounce(store, engine, account, [webhook]);
    const id = deliveries[0]?.id as string;
    await waitUntil("first attempt", async () => (await store.deliveries.getById(id))?.attempts === 1);
    const after = await store.deliveries.getById(id);
    expect(after?.status).toBe("pending");
    expect((after?.next_attempt_at as number) - (after?.last_attempt_at as number)).toBeGreaterThanOrEqual(
      990,
    );
    await waitUntil("success", async () => (await statusOf(store, id)) === "succeeded", 5_000);
    expect((r.requests[1]?.at as number) - (r.requests[0]?.at as number)).toBeGreaterThanOrEqual(950);
  });

  test("records the error class of each kind of transport failure", async () => {
    const { store, engine, account } = await setup({ retrySchedule: [0], timeoutMs: 300 });
    const hanging = receiver(() => hang());
    const resetting = startResettingServer();
    cleanups.push(() => resetting.stop());
    const cases = [
      ["timeout", hanging.url],
      ["connection_refused", `http://127.0.0.1:${closedPort()}/`],
      ["reset", `http://127.0.0.1:${resetting.port}/`],
    ] as const;
    engine.start();
    const ids: Array<[string, string]> = [];
    for (const [errorClass, url] of cases) {
      const webhook = await createWebhook(store, account, url);
      const { deliveries } = await publishAndAnnounce(store, engine, account, [webhook]);
      ids.push([errorClass, deliveries[0]?.id as string]);
    }
    for (const [errorClass, id] of ids) {
      await waitUntil(`${errorClass} failure`, async () => (await statusOf(store, id)) === "failed");
      expect((await store.attempts.listForDelivery(id))[0]).toMatchObject({
        error_class: errorClass,
        status_code: null,
      });
    }
    expect(
      (await store.attempts.listForDelivery(ids[0]?.[1] as string))[0]?.duration_ms,
    ).toBeGreaterThanOrEqual(290);
  });

  test("Retry-After is honoured only up to the configured cap", async () => {
    const { store, engine, account } = await setup({ retrySchedule: [0, 10], retryAfterMsMax: 300 });
    const r = receiver((_req, i) =>
      i === 0 ? new Response("", { status: 503, headers: { "Retry-After": "3600" } }) : new Response("ok"),
    );
    const webhook = await createWebhook(store, account, r.url);
    engine.start();
    const { deliveries } = await publishAndAnnounce(store, engine, account, [webhook]);
    const id = deliveries[0]?.id as string;
    await waitUntil("success", async () => (await statusOf(store, id)) === "succeeded", 3_000);
    const gap = (r.requests[1]?.at as number) - (r.requests[0]?.at as number);
    expect(gap).toBeGreaterThanOrEqual(280);
  });

  test("a manual retry of a failed delivery is sent again, announced or not", async () => {
    const { store, engine, account } = await setup({ retrySchedule: [0] });
    let healthy = false;
    const r = receiver(() => new Response(healthy ? "ok" : "down", { status: healthy ? 200 : 500 }));
    const webhook = await createWebhook(store, account, r.url);
    engine.start();
    const first = (await publishAndAnnounce(store, engine, account, [webhook])).deliveries[0]?.id as string;
    const second = (await publishAndAnnounce(store, engine, account, [webhook])).deliveries[0]?.id as string;
    await waitUntil(
      "failures",
      async () => (await statusOf(store, first)) === "failed" && (await statusOf(store, second)) === "failed",
    );
    healthy = true;
    // Told, as the API does after rescheduling.
    const again = await store.deliveries.reschedule(account, first, Date.now());
    engine.retried(first, again?.next_attempt_at as number);
    // Not told: the scheduler's re-read of the store finds it.
    await store.deliveries.reschedule(account, second, Date.now());
    await waitUntil(
      "redeliveries",
      async () =>
        (await statusOf(store, first)) === "succeeded" && (await statusOf(store, second)) === "succeeded",
    );
    expect(await store.deliveries.getById(first)).toMatchObject({ attempts: 2 });
    expect(r.requests.map((q) => q.headers.get("x-inbox-attempt"))).toEqual(["1", "1", "2", "2"]);
  });

  test("logs one line per attempt and a warning per failure, never the secret", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const store = await openTestStore(dir.path);
    const lines: string[] = [];
    const logger = createLogger("debug", (line) => lines.push(line));
    const config = testConfig({ dataDir: dir.path, retrySchedule: [0, 20] });
    const { engine } = engineFor(store, config, { logger });
    cleanups.push(() => engine.stop(0));
    const account = await createAccount(store);
    const r = receiver((_req, i) => new Response("", { status: i === 0 ? 500 : 200 }));
    const webhook = await createWebhook(store, account, r.url);
    engine.start();
    const { deliveries } = await publishAndAnnounce(store, engine, account, [webhook]);
    const id = deliveries[0]?.id as string;
    await waitUntil("success", async () => (await statusOf(store, id)) === "succeeded");
    const parsed = lines.map((l) => JSON.parse(l) as { level: string; msg: string; delivery_id?: string });
    const attempts = parsed.filter((l) => l.msg === "delivery attempt" && l.delivery_id === id);
    const failures = parsed.filter((l) => l.msg === "delivery attempt failed" && l.delivery_id === id);
    expect(attempts.map((l) => l.level)).toEqual(["debug", "debug"]);
    expect(failures.map((l) => l.level)).toEqual(["warn"]);
    for (const line of lines) {
      expect(line).not.toContain(webhook.secret);
      expect(line).not.toContain(webhook.secret.slice("whsec_".length));
    }
  });

  test("a webhook that hangs on every request does not delay a healthy one", async () => {
    const { store, engine, account } = await setup({
      concurrency: 8,
      webhookConcurrency: 2,
      timeoutMs: 10_000,
      retrySchedule: [0],
    });
    const stuck = receiver(() => hang());
    const healthy = receiver();
    const stuckHook = await createWebhook(store, account, stuck.url);
    const healthyHook = await createWebhook(store, account, healthy.url);
    engine.start();
    // The stuck webhook's deliveries come first and outnumber every cap.
    for (let i = 0; i < 20; i++) await publishAndAnnounce(store, engine, account, [stuckHook]);
    const healthyIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { deliveries } = await publishAndAnnounce(store, engine, account, [healthyHook]);
      healthyIds.push(deliveries[0]?.id as string);
    }
    await waitUntil(
      "healthy deliveries",
      async () =>
        (await Promise.all(healthyIds.map((id) => statusOf(store, id)))).every((s) => s === "succeeded"),
      3_000,
    );
    expect(healthy.requests).toHaveLength(20);
    // The stuck webhook holds exactly its cap, no more. The healthy outcomes' writes may still be
    // finishing (tracked as in flight until their commit is answered), so wait for those to leave.
    expect(stuck.requests).toHaveLength(2);
    await waitUntil("only the stuck attempts in flight", async () => engine.inFlight() <= 2, 2_000);
    expect(engine.inFlight()).toBe(2);
  });

  test("deleting a webhook stops its pending deliveries", async () => {
    const { store, engine, account } = await setup({ retrySchedule: [0, 150, 150, 150] });
    const r = receiver(() => new Response("down", { status: 503 }));
    const webhook = await createWebhook(store, account, r.url);
    engine.start();
    const { deliveries } = await publishAndAnnounce(store, engine, account, [webhook]);
    const id = deliveries[0]?.id as string;
    await r.waitFor(1);
    await waitUntil(
      "first attempt recorded",
      async () => (await store.deliveries.getById(id))?.attempts === 1,
    );
    expect(await store.webhooks.delete(account, webhook.id)).toBe(true);
    await Bun.sleep(500);
    expect(r.requests).toHaveLength(1);
    expect(await statusOf(store, id)).toBe("cancelled");
  });

  test("deliveries waiting in a lane are not sent when their webhook was disabled and re-enabled meanwhile", async () => {
    const { store, engine, account } = await setup({ webhookConcurrency: 1, retrySchedule: [0] });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const r = receiver(async (_req, index) => {
      if (index === 0) await released;
      return new Response("ok");
    });
    const webhook = await createWebhook(store, account, r.url);
    engine.start();
    const first = await publishAndAnnounce(store, engine, account, [webhook]);
    await r.waitFor(1);
    // These wait behind the first, read already (the engine keeps what it read for the attempt).
    const waiting: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { deliveries } = await publishAndAnnounce(store, engine, account, [webhook]);
      waiting.push(deliveries[0]?.id as string);
    }
    // Disabling cancels them in the store; enabling again does not bring them back.
    expect(await store.webhooks.update({ ...webhook, enabled: false, updated_at: Date.now() })).toBe(true);
    expect(await store.webhooks.update({ ...webhook, enabled: true, updated_at: Date.now() })).toBe(true);
    release();
    await waitUntil(
      "first delivery done",
      async () => (await statusOf(store, first.deliveries[0]?.id as string)) !== "pending",
    );
    await Bun.sleep(300);
    expect(r.requests).toHaveLength(1);
    for (const id of waiting) expect(await statusOf(store, id)).toBe("cancelled");
  });

  test("refuses private targets after resolution when the SSRF guard is on", async () => {
    const { store, engine, metrics, account } = await setup({
      allowPrivateTargets: false,
      retrySchedule: [0],
    });
    const r = receiver();
    const byIp = await createWebhook(store, account, `${r.url}/in`);
    const byName = await createWebhook(store, account, `http://localhost:${r.port}/in`);
    engine.start();
    const { deliveries } = await publishAndAnnounce(store, engine, account, [byIp, byName]);
    for (const d of deliveries) {
      await waitUntil("refusal", async () => (await statusOf(store, d.id)) === "failed");
      expect((await store.attempts.listForDelivery(d.id))[0]).toMatchObject({
        error_class: "ssrf_blocked",
        status_code: null,
      });
    }
    expect(r.requests).toHaveLength(0);
    expect(metrics.attempts.get({ outcome: "failed", error_class: "ssrf_blocked" })).toBe(2);
  });

  test("sendTest makes one unqueued attempt and records it as a test", async () => {
    const { store, engine, account } = await setup();
    const r = receiver(() => new Response("seen", { status: 201 }));
    const webhook = await createWebhook(store, account, r.url);
    const event = {
      id: "evt_1234567890",
      account_id: account,
      type: "message.read",
      created_at: Date.UTC(2025, 0, 15, 10, 25, 15),
      data: { message_id: "msg_1234567890" },
      test: true,
    };
    const attempt = await engine.sendTest(webhook, event);
    expect(attempt).toMatchObject({
      delivery_id: null,
      test: true,
      attempt: 1,
      outcome: "succeeded",
      status_code: 201,
      response_body: "seen",
      event_id: "evt_1234567890",
      event_type: "message.read",
    });
    expect(r.requests[0]?.body).toBe(
      '{"id":"evt_1234567890","type":"message.read","created_at":"2025-01-15T10:25:15Z","data":{"message_id":"msg_1234567890"}}',
    );
    expect(r.requests[0]?.headers.has("x-inbox-delivery-id")).toBe(false);
    const logged = await store.attempts.listForWebhook(account, webhook.id, {}, { limit: 10 });
    expect(logged.data.map((a) => a.id)).toEqual([attempt.id]);
    expect(store.figures().pendingDeliveries).toBe(0);

    const failing = await engine.sendTest({ ...webhook, url: `http://127.0.0.1:${closedPort()}/` }, event);
    expect(failing).toMatchObject({ outcome: "failed", error_class: "connection_refused", test: true });
  });
});
