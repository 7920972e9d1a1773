import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import { newId } from "../../src/domain/ids";
import type { AttemptRecord } from "../../src/storage/records";
import type { AttemptOutcomeUpdate, LeaseRef } from "../../src/storage/store";
import { ADMIN_KEY, createHarness, type Harness, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

/** An account with one webhook and one published event: its delivery id and friends. */
async function scenario(name: string, type = "message.delivered") {
  const a = await h.newAccount(name);
  const hook = await h.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody({ events: ["*"] }) });
  const event = await h.call("POST", "/v1/events", {
    key: a.key,
    body: { type, data: eventCatalog.sample(type) },
  });
  const got = await h.call("GET", `/v1/events/${event.json.id}`, { key: a.key });
  return {
    ...a,
    webhookId: hook.json.id as string,
    eventId: event.json.id as string,
    deliveryId: got.json.deliveries[0].id as string,
  };
}

/** Leases held for the tests' attempts, by delivery id (the fake engine never attempts its own). */
const held = new Map<string, LeaseRef>();

/** A lease on the delivery: the one its publish took, one relet, or one taken now (it is due). */
async function leaseOf(deliveryId: string): Promise<LeaseRef> {
  for (const lease of h.delivery.leases.splice(0)) {
    held.set(lease.delivery.id, { delivery_id: lease.delivery.id, token: lease.token });
  }
  if (!held.has(deliveryId)) {
    const owner = h.config.replicaId;
    const leases = await h.store.work.lease({ owner, until: Date.now() + 1, limit: 10_000, leaseMs: 60_000 });
    for (const l of leases) held.set(l.delivery.id, { delivery_id: l.delivery.id, token: l.token });
  }
  const ref = held.get(deliveryId);
  if (!ref) throw new Error(`no lease on ${deliveryId}: it is not pending`);
  held.delete(deliveryId);
  return ref;
}

/**
 * Records an attempt as the engine would, through the real store, under a lease. A failed attempt
 * fails the delivery, unless `next` is "retry": then it stays pending, its lease relet.
 */
async function attempt(
  s: { id: string; webhookId: string; eventId: string; deliveryId: string },
  n: number,
  outcome: "succeeded" | "failed",
  startedAt: number,
  eventType = "message.delivered",
  next: "final" | "retry" = "final",
) {
  const record: AttemptRecord = {
    id: newId("att", startedAt),
    account_id: s.id,
    webhook_id: s.webhookId,
    delivery_id: s.deliveryId,
    event_id: s.eventId,
    event_type: eventType,
    attempt: n,
    started_at: startedAt,
    duration_ms: 40,
    outcome,
    status_code: outcome === "succeeded" ? 200 : 500,
    error_class: outcome === "succeeded" ? null : "http_status",
    error_message: outcome === "succeeded" ? null : "HTTP 500",
    response_body: outcome === "succeeded" ? "ok" : "boom",
    test: false,
  };
  const update: AttemptOutcomeUpdate =
    outcome === "succeeded"
      ? { status: "succeeded" }
      : next === "retry"
        ? { status: "pending", next_attempt_at: Date.now() }
        : { status: "failed" };
  const relet = next === "retry" ? { relet: { withinMs: 60_000, leaseMs: 60_000 } } : undefined;
  const result = await h.store.deliveries.recordAttempt(record, update, await leaseOf(s.deliveryId), relet);
  if (result.kind !== "recorded") throw new Error(`attempt not recorded: ${result.kind}`);
  if (result.lease) held.set(s.deliveryId, { delivery_id: s.deliveryId, token: result.lease.token });
  return record;
}

describe("deliveries", () => {
  test("get shows the delivery with its attempts", async () => {
    const s = await scenario("dlv-get");
    const t0 = Date.now();
    const att = await attempt(s, 1, "failed", t0);
    const res = await h.call("GET", `/v1/deliveries/${s.deliveryId}`, { key: s.key });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: s.deliveryId,
      event_id: s.eventId,
      webhook_id: s.webhookId,
      status: "failed",
      last_status_code: 500,
    });
    expect(res.json.attempts).toHaveLength(1);
    expect(res.json.attempt_count).toBe(1);
    expect(res.json.attempts[0]).toMatchObject({
      id: att.id,
      attempt: 1,
      outcome: "failed",
      status_code: 500,
      error_class: "http_status",
      response_body: "boom",
      test: false,
    });
  });

  test("retry makes a failed delivery pending now and tells the engine; succeeded is 409", async () => {
    const s = await scenario("dlv-retry");
    await attempt(s, 1, "failed", Date.now());
    const before = h.delivery.retries.length;
    const res = await h.call("POST", `/v1/deliveries/${s.deliveryId}/retry`, { key: s.key });
    expect(res.status).toBe(202);
    expect(res.json.status).toBe("pending");
    expect(res.json.next_attempt_at).not.toBeNull();
    expect(h.delivery.retries.length).toBe(before + 1);
    expect(h.delivery.retries.at(-1)?.delivery_id).toBe(s.deliveryId);
    expect(Math.floor((h.delivery.retries.at(-1)?.due as number) / 1000) * 1000).toBe(
      Date.parse(res.json.next_attempt_at),
    );

    await attempt(s, 2, "succeeded", Date.now());
    const again = await h.call("POST", `/v1/deliveries/${s.deliveryId}/retry`, { key: s.key });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("conflict");
  });

  test("retry after the webhook was deleted is 409", async () => {
    const s = await scenario("dlv-deleted-hook");
    expect((await h.call("DELETE", `/v1/webhooks/${s.webhookId}`, { key: s.key })).status).toBe(204);
    const got = await h.call("GET", `/v1/deliveries/${s.deliveryId}`, { key: s.key });
    expect(got.json.status).toBe("cancelled");
    const res = await h.call("POST", `/v1/deliveries/${s.deliveryId}/retry`, { key: s.key });
    expect(res.status).toBe(409);
  });

  test("the admin key reads and retries for the account it names", async () => {
    const s = await scenario("dlv-admin");
    await attempt(s, 1, "failed", Date.now());
    const got = await h.call("GET", `/v1/deliveries/${s.deliveryId}?account_id=${s.id}`, { key: ADMIN_KEY });
    expect(got.status).toBe(200);
    const logs = await h.call("GET", `/v1/webhooks/${s.webhookId}/logs?account_id=${s.id}`, {
      key: ADMIN_KEY,
    });
    expect(logs.json.data).toHaveLength(1);
    const retry = await h.call("POST", `/v1/deliveries/${s.deliveryId}/retry?account_id=${s.id}`, {
      key: ADMIN_KEY,
    });
    expect(retry.status).toBe(202);
    // Without account_id the admin key acts on the operator's own deliveries: not this one.
    const unscoped = await h.call("GET", `/v1/deliveries/${s.deliveryId}`, { key: ADMIN_KEY });
    expect(unscoped.status).toBe(404);
    const empty = await h.call("GET", `/v1/deliveries/${s.deliveryId}?account_id=`, { key: ADMIN_KEY });
    expect(empty.status).toBe(422);
    expect(empty.json.error.details).toEqual([{ field: "account_id", reason: expect.any(String) }]);
    const wrong = await h.call("GET", `/v1/deliveries/${s.deliveryId}?account_id=${h.defaultAccountId}`, {
      key: ADMIN_KEY,
    });
    expect(wrong.status).toBe(404);
  });

  test("foreign and missing deliveries are 404", async () => {
    const s = await scenario("dlv-owner");
    const other = await h.newAccount("dlv-stranger");
    expect((await h.call("GET", `/v1/deliveries/${s.deliveryId}`, { key: other.key })).status).toBe(404);
    expect((await h.call("POST", `/v1/deliveries/${s.deliveryId}/retry`, { key: other.key })).status).toBe(
      404,
    );
    expect((await h.call("GET", "/v1/deliveries/dlv_nope", { key: s.key })).status).toBe(404);
  });
});

describe("logs", () => {
  test("newest first, filtered by status, event, time; paginated", async () => {
    const s = await scenario("logs");
    const t0 = Date.parse("2030-01-01T00:00:00Z");
    const a1 = await attempt(s, 1, "failed", t0, "message.delivered", "retry");
    const a2 = await attempt(s, 2, "failed", t0 + 60_000);
    const retried = await h.call("POST", `/v1/deliveries/${s.deliveryId}/retry`, { key: s.key });
    expect(retried.status).toBe(202);
    const a3 = await attempt(s, 3, "succeeded", t0 + 120_000);
    const path = `/v1/webhooks/${s.webhookId}/logs`;

    const all = await h.call("GET", path, { key: s.key });
    expect(all.status).toBe(200);
    expect(all.json.data.map((a: { id: string }) => a.id)).toEqual([a3.id, a2.id, a1.id]);
    expect(all.json.data[0].started_at).toBe("2030-01-01T00:02:00Z");

    const failed = await h.call("GET", `${path}?status=failed`, { key: s.key });
    expect(failed.json.data.map((a: { id: string }) => a.id)).toEqual([a2.id, a1.id]);
    const succeeded = await h.call("GET", `${path}?status=succeeded`, { key: s.key });
    expect(succeeded.json.data.map((a: { id: string }) => a.id)).toEqual([a3.id]);

    const since = await h.call("GET", `${path}?since=2030-01-01T00:01:00Z`, { key: s.key });
    expect(since.json.data.map((a: { id: string }) => a.id)).toEqual([a3.id, a2.id]);
    const until = await h.call("GET", `${path}?until=2030-01-01T00:01:00Z`, { key: s.key });
    expect(until.json.data.map((a: { id: string }) => a.id)).toEqual([a1.id]);
    const offset = await h.call("GET", `${path}?since=${encodeURIComponent("2030-01-01T01:01:00+01:00")}`, {
      key: s.key,
    });
    expect(offset.json.data).toHaveLength(2);

    const byEvent = await h.call("GET", `${path}?event_id=${s.eventId}&event_type=message.delivered`, {
      key: s.key,
    });
    expect(byEvent.json.data).toHaveLength(3);
    const otherType = await h.call("GET", `${path}?event_type=message.read`, { key: s.key });
    expect(otherType.json.data).toHaveLength(0);

    const page = await h.call("GET", `${path}?limit=2`, { key: s.key });
    expect(page.json.data).toHaveLength(2);
    const next = await h.call("GET", `${path}?limit=2&cursor=${encodeURIComponent(page.json.next_cursor)}`, {
      key: s.key,
    });
    expect(next.json.data.map((a: { id: string }) => a.id)).toEqual([a1.id]);
  });

  test("bad filters are 422 naming the parameter; foreign webhook is 404", async () => {
    const s = await scenario("logs-bad");
    const path = `/v1/webhooks/${s.webhookId}/logs`;
    const status = await h.call("GET", `${path}?status=maybe`, { key: s.key });
    expect(status.status).toBe(422);
    expect(status.json.error.details).toEqual([
      { field: "status", reason: "must be one of: succeeded, failed" },
    ]);
    const since = await h.call("GET", `${path}?since=yesterday`, { key: s.key });
    expect(since.status).toBe(422);
    expect(since.json.error.details[0].field).toBe("since");
    const range = await h.call("GET", `${path}?since=2030-01-02T00:00:00Z&until=2030-01-01T00:00:00Z`, {
      key: s.key,
    });
    expect(range.status).toBe(422);
    const other = await h.newAccount("logs-stranger");
    expect((await h.call("GET", path, { key: other.key })).status).toBe(404);
  });
});
