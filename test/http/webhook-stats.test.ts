// GET /v1/webhooks/{id}/stats through the HTTP API: sums over the window, success rate, latency
// percentiles, health, pending; test sends excluded; bad `since` answers 422 naming it.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import { newId } from "../../src/domain/ids";
import type { AttemptRecord } from "../../src/storage/records";
import { STATS_BUCKET_MS } from "../../src/storage/stats-rollup";
import { ADMIN_KEY, createHarness, type Harness, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const TYPE = "message.delivered";
const HOUR = STATS_BUCKET_MS;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

async function hookOf(name: string) {
  const a = await h.newAccount(name);
  const hook = await h.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody({ events: [TYPE] }) });
  return { ...a, webhookId: hook.json.id as string };
}

/** Publishes one event to the account's webhook: its delivery, leased by the publish. */
async function publish(key: string) {
  const res = await h.call("POST", "/v1/events", {
    key,
    body: { type: TYPE, data: eventCatalog.sample(TYPE) },
  });
  const got = await h.call("GET", `/v1/events/${res.json.id}`, { key });
  const deliveryId = got.json.deliveries[0].id as string;
  const lease = h.delivery.leases.find((l) => l.delivery.id === deliveryId);
  if (!lease) throw new Error("the publish leased nothing");
  return lease;
}

/** Records one finished attempt of a freshly published delivery, as the engine would. */
async function attempted(
  key: string,
  outcome: "succeeded" | "failed",
  startedAt: number,
  durationMs: number,
) {
  const lease = await publish(key);
  const d = lease.delivery;
  const attempt: AttemptRecord = {
    id: newId("att"),
    account_id: d.account_id,
    webhook_id: d.webhook_id,
    delivery_id: d.id,
    event_id: d.event_id,
    event_type: d.event_type,
    attempt: 1,
    started_at: startedAt,
    duration_ms: durationMs,
    outcome,
    status_code: outcome === "succeeded" ? 200 : 503,
    error_class: outcome === "succeeded" ? null : "http_status",
    error_message: outcome === "succeeded" ? null : "503 Service Unavailable",
    response_body: null,
    test: false,
  };
  const result = await h.store.deliveries.recordAttempt(
    attempt,
    { status: outcome },
    {
      delivery_id: d.id,
      token: lease.token,
    },
  );
  expect(result.kind).toBe("recorded");
}

describe("GET /v1/webhooks/{id}/stats", () => {
  test("a new webhook: nothing counted, rates and percentiles null, the last 24 hours", async () => {
    const s = await hookOf("stats-new");
    const before = Date.now();
    const res = await h.call("GET", `/v1/webhooks/${s.webhookId}/stats`, { key: s.key });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      webhook_id: s.webhookId,
      attempts: 0,
      succeeded: 0,
      failed: 0,
      success_rate: null,
      latency_ms: { p50: null, p90: null, p99: null },
      failing_since: null,
      last_success_at: null,
      last_failure_at: null,
      pending: 0,
    });
    const since = Date.parse(res.json.window.since);
    expect(since % HOUR).toBe(0);
    expect(since).toBeLessThanOrEqual(before - 86_400_000);
    expect(since).toBeGreaterThan(before - 86_400_000 - HOUR);
    expect(Date.parse(res.json.window.until)).toBeGreaterThanOrEqual(before - 1_000);
  });

  test("attempts in the window are summed; health and pending are as of now; test sends do not count", async () => {
    const s = await hookOf("stats-sums");
    const now = Date.now();
    await attempted(s.key, "failed", now - 30 * HOUR, 20); // outside the default window
    await attempted(s.key, "succeeded", now - 2 * HOUR, 40);
    await attempted(s.key, "failed", now - 60_000, 900);
    await attempted(s.key, "succeeded", now - 30_000, 40);
    await attempted(s.key, "failed", now - 10_000, 45);
    await publish(s.key); // pending
    const sent = await h.call("POST", "/v1/webhooks/test", {
      key: s.key,
      body: { webhook_id: s.webhookId, event_type: TYPE },
    });
    expect(sent.status).toBeLessThan(300);

    const res = await h.call("GET", `/v1/webhooks/${s.webhookId}/stats`, { key: s.key });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      attempts: 4,
      succeeded: 2,
      failed: 2,
      success_rate: 0.5,
      // Bins ..., 20, 50, ..., 750, 1000: three attempts at 40-45 ms (bin 50) and one at 900 (bin 1000).
      latency_ms: { p50: 50, p90: 1_000, p99: 1_000 },
      failing_since: iso(now - 10_000),
      last_success_at: iso(now - 30_000),
      last_failure_at: iso(now - 10_000),
      pending: 1,
    });

    const longer = await h.call("GET", `/v1/webhooks/${s.webhookId}/stats?since=${iso(now - 48 * HOUR)}`, {
      key: s.key,
    });
    expect(longer.json).toMatchObject({ attempts: 5, failed: 3, success_rate: 0.4, latency_ms: { p50: 50 } });
    expect(longer.json.window.since).toBe(iso(Math.floor((now - 48 * HOUR) / HOUR) * HOUR));
  });

  test("since must be an RFC 3339 time before now and within the retention (422 naming since)", async () => {
    const s = await hookOf("stats-since");
    const ask = (since: string) =>
      h.call("GET", `/v1/webhooks/${s.webhookId}/stats?since=${encodeURIComponent(since)}`, { key: s.key });
    for (const since of [
      "yesterday",
      "2025-13-01T00:00:00Z",
      iso(Date.now() + HOUR),
      iso(Date.now() - h.config.retentionMs - HOUR),
    ]) {
      const res = await ask(since);
      expect(res.status).toBe(422);
      expect(res.json.error.code).toBe("validation_failed");
      expect(res.json.error.details[0].field).toBe("since");
    }
    const old = await ask(iso(Date.now() - h.config.retentionMs - HOUR));
    expect(old.json.error.details[0].reason).toContain("retention");
    expect((await ask(iso(Date.now() - h.config.retentionMs + HOUR))).status).toBe(200);
  });

  test("unknown and foreign webhooks answer 404; no key 401; the admin key acts for an account", async () => {
    const s = await hookOf("stats-owner");
    const other = await h.newAccount("stats-other");
    expect((await h.call("GET", `/v1/webhooks/${s.webhookId}/stats`, { key: other.key })).status).toBe(404);
    expect((await h.call("GET", "/v1/webhooks/wh_missing/stats", { key: s.key })).status).toBe(404);
    expect((await h.call("GET", `/v1/webhooks/${s.webhookId}/stats`, { key: null })).status).toBe(401);
    const admin = await h.call("GET", `/v1/webhooks/${s.webhookId}/stats?account_id=${s.id}`, {
      key: ADMIN_KEY,
    });
    expect(admin.status).toBe(200);
    expect(admin.json.webhook_id).toBe(s.webhookId);
  });

  test("the OpenAPI document describes the operation with its errors", async () => {
    const spec = await h.call("GET", "/swagger/json", { key: null });
    const op = spec.json.paths["/v1/webhooks/{id}/stats"]?.get;
    expect(op).toBeDefined();
    for (const status of ["200", "401", "404", "422"]) expect(op.responses[status]).toBeDefined();
  });
});
