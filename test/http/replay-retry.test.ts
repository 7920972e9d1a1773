// Replaying an event (POST /v1/events/{id}/replay) and retrying deliveries whose webhook can take
// none (POST /v1/deliveries/{id}/retry answers 409 saying why), through the HTTP API.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import { newId } from "../../src/domain/ids";
import { ADMIN_KEY, createHarness, type Harness, servedSpec, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const TYPE = "message.delivered";

/** An account with one webhook subscribed to TYPE and one event of TYPE published to it. */
async function scenario(name: string) {
  const a = await h.newAccount(name);
  const hook = await h.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody({ events: [TYPE] }) });
  const published = await h.call("POST", "/v1/events", {
    key: a.key,
    body: { type: TYPE, data: eventCatalog.sample(TYPE) },
  });
  const got = await h.call("GET", `/v1/events/${published.json.id}`, { key: a.key });
  return {
    ...a,
    webhookId: hook.json.id as string,
    eventId: published.json.id as string,
    deliveryId: got.json.deliveries[0].id as string,
  };
}

const disable = (key: string, id: string) =>
  h.call("PUT", `/v1/webhooks/${id}`, { key, body: { enabled: false } });

describe("retry of a delivery whose webhook takes none", () => {
  test("a disabled webhook answers 409 saying so; enabled again, the retry is accepted", async () => {
    const s = await scenario("retry-disabled");
    expect((await disable(s.key, s.webhookId)).status).toBe(200);
    const before = h.delivery.retries.length;
    const res = await h.call("POST", `/v1/deliveries/${s.deliveryId}/retry`, { key: s.key });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
    expect(res.json.error.message).toContain("webhook is disabled");
    expect(h.delivery.retries.length).toBe(before);
    const got = await h.call("GET", `/v1/deliveries/${s.deliveryId}`, { key: s.key });
    expect(got.json.status).toBe("cancelled");

    const enable = await h.call("PUT", `/v1/webhooks/${s.webhookId}`, {
      key: s.key,
      body: { enabled: true },
    });
    expect(enable.status).toBe(200);
    const again = await h.call("POST", `/v1/deliveries/${s.deliveryId}/retry`, { key: s.key });
    expect(again.status).toBe(202);
    expect(again.json.status).toBe("pending");
    expect(h.delivery.retries.at(-1)?.delivery_id).toBe(s.deliveryId);
  });

  test("a deleted webhook answers 409 saying so", async () => {
    const s = await scenario("retry-deleted");
    expect((await h.call("DELETE", `/v1/webhooks/${s.webhookId}`, { key: s.key })).status).toBe(204);
    const res = await h.call("POST", `/v1/deliveries/${s.deliveryId}/retry`, { key: s.key });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
    expect(res.json.error.message).toContain("has been deleted");
    const got = await h.call("GET", `/v1/deliveries/${s.deliveryId}`, { key: s.key });
    expect(got.json.status).toBe("cancelled");
  });

  test("a webhook deleted on another replica (this one's read is stale) is not called disabled", async () => {
    // On PostgreSQL another replica's delete reaches this replica's cached read up to a second
    // later: the read still says enabled while the store's write finds the webhook gone.
    const s = await scenario("retry-stale-read");
    const stale = await h.store.webhooks.get(s.id, s.webhookId);
    expect(stale?.enabled).toBe(true);
    expect((await h.call("DELETE", `/v1/webhooks/${s.webhookId}`, { key: s.key })).status).toBe(204);
    const webhooks = h.store.webhooks;
    const get = webhooks.get;
    webhooks.get = async (accountId, id) => (id === s.webhookId ? stale : get.call(webhooks, accountId, id));
    try {
      const res = await h.call("POST", `/v1/deliveries/${s.deliveryId}/retry`, { key: s.key });
      expect(res.status).toBe(409);
      expect(res.json.error.code).toBe("conflict");
      expect(res.json.error.message).not.toContain("is disabled:");
      expect(res.json.error.message).toContain("disabled or deleted");
    } finally {
      webhooks.get = get;
    }
  });
});

describe("retry in the OpenAPI document", () => {
  test("202 and 409 each carry an example of what the route answers", async () => {
    const spec = await servedSpec(h);
    const op = spec.paths["/v1/deliveries/{id}/retry"].post;
    // The schemas are the named Delivery and Error; the examples stay with the operation.
    const media = (status: string) => op.responses[status].content["application/json"];
    expect(media("202").schema).toEqual({ $ref: "#/components/schemas/Delivery" });
    expect(media("202").example).toMatchObject({ id: expect.stringMatching(/^dlv_/), status: "pending" });
    expect(Object.keys(media("202").example).sort()).toEqual(
      Object.keys(spec.components.schemas.Delivery.properties).sort(),
    );
    const messages = Object.values(media("409").examples).map(
      (e) => (e as { value: { error: { message: string } } }).value.error.message,
    );
    expect(messages).toContain("the delivery already succeeded");
    expect(messages.some((m: string) => m.includes("just been disabled or deleted"))).toBe(true);
  });
});

describe("replay", () => {
  test("to a named webhook: a new pending delivery due now, the original untouched", async () => {
    const s = await scenario("replay-one");
    const original = (await h.call("GET", `/v1/events/${s.eventId}`, { key: s.key })).json.deliveries[0];
    const before = h.delivery.enqueued.length;
    const started = Math.floor(Date.now() / 1000) * 1000;
    const res = await h.call("POST", `/v1/events/${s.eventId}/replay`, {
      key: s.key,
      body: { webhook_id: s.webhookId },
    });
    expect(res.status).toBe(202);
    expect(res.json.event_id).toBe(s.eventId);
    expect(res.json.deliveries).toHaveLength(1);
    const [created] = res.json.deliveries;
    expect(created).toMatchObject({
      webhook_id: s.webhookId,
      event_id: s.eventId,
      status: "pending",
      attempt_count: 0,
    });
    expect(created.id).not.toBe(s.deliveryId);
    expect(Date.parse(created.next_attempt_at)).toBeGreaterThanOrEqual(started);
    expect(Date.parse(created.next_attempt_at)).toBeLessThanOrEqual(Date.now());
    // Leased in the same write and handed to the engine with its event, as a publish does.
    expect(
      h.delivery.enqueued
        .slice(before)
        .flat()
        .map((e) => e.delivery_id),
    ).toEqual([created.id]);
    expect(
      h.delivery.announced
        .slice(before)
        .flat()
        .map((e) => e.id),
    ).toEqual([s.eventId]);

    const event = await h.call("GET", `/v1/events/${s.eventId}`, { key: s.key });
    expect(event.json.deliveries.map((d: { id: string }) => d.id)).toEqual([s.deliveryId, created.id]);
    expect(event.json.deliveries[0]).toEqual(original);
    const one = await h.call("GET", `/v1/deliveries/${created.id}`, { key: s.key });
    expect(one.json).toMatchObject({ id: created.id, status: "pending", attempts: [] });
  });

  test("with no room in the engine: due work the engine is told to look for, attempted and logged", async () => {
    const s = await scenario("replay-attempted");
    h.delivery.leaseTerms = undefined;
    const before = h.delivery.retries.length;
    const res = await h.call("POST", `/v1/events/${s.eventId}/replay`, { key: s.key }).finally(() => {
      h.delivery.leaseTerms = { owner: "test-http", leaseMs: 60_000, max: 1_000_000 };
    });
    const id = res.json.deliveries[0].id as string;
    expect(h.delivery.retries.slice(before).map((r) => r.delivery_id)).toEqual([id]);
    const owner = h.config.replicaId;
    const leases = await h.store.work.lease({ owner, until: Date.now() + 1, limit: 10_000, leaseMs: 60_000 });
    const lease = leases.find((l) => l.delivery.id === id);
    expect(lease).toBeDefined();
    if (!lease) return;
    const startedAt = Date.now();
    const result = await h.store.deliveries.recordAttempt(
      {
        id: newId("att", startedAt),
        account_id: s.id,
        webhook_id: s.webhookId,
        delivery_id: id,
        event_id: s.eventId,
        event_type: TYPE,
        attempt: 1,
        started_at: startedAt,
        duration_ms: 12,
        outcome: "succeeded",
        status_code: 200,
        error_class: null,
        error_message: null,
        response_body: "ok",
        test: false,
      },
      { status: "succeeded" },
      { delivery_id: id, token: lease.token },
    );
    expect(result.kind).toBe("recorded");
    await h.store.work.release(
      owner,
      leases.filter((l) => l !== lease).map((l) => ({ delivery_id: l.delivery.id, token: l.token })),
    );
    const logs = await h.call("GET", `/v1/webhooks/${s.webhookId}/logs?event_id=${s.eventId}`, {
      key: s.key,
    });
    expect(logs.status).toBe(200);
    expect(logs.json.data.map((a: { delivery_id: string }) => a.delivery_id)).toContain(id);
    const got = await h.call("GET", `/v1/deliveries/${id}`, { key: s.key });
    expect(got.json.status).toBe("succeeded");
  });

  test("without a webhook: to every enabled webhook subscribed to the type now", async () => {
    const s = await scenario("replay-fanout");
    const later = await h.call("POST", "/v1/webhooks", { key: s.key, body: webhookBody({ events: ["*"] }) });
    const other = await h.call("POST", "/v1/webhooks", {
      key: s.key,
      body: webhookBody({ events: ["message.read"] }),
    });
    const off = await h.call("POST", "/v1/webhooks", { key: s.key, body: webhookBody({ events: [TYPE] }) });
    await disable(s.key, off.json.id);
    const res = await h.call("POST", `/v1/events/${s.eventId}/replay`, { key: s.key, body: {} });
    expect(res.status).toBe(202);
    const targets = res.json.deliveries.map((d: { webhook_id: string }) => d.webhook_id).sort();
    expect(targets).toEqual([s.webhookId, later.json.id].sort());
    expect(targets).not.toContain(other.json.id);
    const event = await h.call("GET", `/v1/events/${s.eventId}`, { key: s.key });
    expect(event.json.deliveries).toHaveLength(3);
  });

  test("no enabled subscriber: 202 with no deliveries", async () => {
    const s = await scenario("replay-nobody");
    await disable(s.key, s.webhookId);
    const res = await h.call("POST", `/v1/events/${s.eventId}/replay`, { key: s.key });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ event_id: s.eventId, deliveries: [] });
  });

  test("a named webhook that is disabled is 409; unknown, deleted or another account's is 404", async () => {
    const s = await scenario("replay-bad-hook");
    const stranger = await scenario("replay-stranger");
    const gone = await h.call("POST", "/v1/webhooks", { key: s.key, body: webhookBody() });
    await h.call("DELETE", `/v1/webhooks/${gone.json.id}`, { key: s.key });
    const replay = (webhookId: string) =>
      h.call("POST", `/v1/events/${s.eventId}/replay`, { key: s.key, body: { webhook_id: webhookId } });
    for (const id of ["wh_nope", gone.json.id, stranger.webhookId]) {
      const res = await replay(id);
      expect(res.status).toBe(404);
      expect(res.json.error).toEqual({ code: "not_found", message: "webhook not found" });
    }
    await disable(s.key, s.webhookId);
    const res = await replay(s.webhookId);
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
    expect(res.json.error.message).toContain("webhook is disabled");
    const event = await h.call("GET", `/v1/events/${s.eventId}`, { key: s.key });
    expect(event.json.deliveries).toHaveLength(1);
  });

  test("an unknown or another account's event is 404", async () => {
    const s = await scenario("replay-owner");
    const other = await h.newAccount("replay-other");
    for (const [key, id] of [
      [s.key, "evt_nope"],
      [other.key, s.eventId],
    ] as const) {
      const res = await h.call("POST", `/v1/events/${id}/replay`, { key });
      expect(res.status).toBe(404);
      expect(res.json.error).toEqual({ code: "not_found", message: "event not found" });
    }
  });

  test("a bad body is 422 naming the field", async () => {
    const s = await scenario("replay-bad-body");
    const res = await h.call("POST", `/v1/events/${s.eventId}/replay`, {
      key: s.key,
      body: { webhook: "x" },
    });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe("validation_failed");
    const empty = await h.call("POST", `/v1/events/${s.eventId}/replay`, {
      key: s.key,
      body: { webhook_id: "" },
    });
    expect(empty.status).toBe(422);
    expect(JSON.stringify(empty.json.error.details)).toContain("webhook_id");
    for (const body of ["wh_x", true, 1e308, ["wh_x"], null]) {
      const wrongKind = await h.call("POST", `/v1/events/${s.eventId}/replay`, { key: s.key, body });
      expect(wrongKind.status).toBe(422);
      expect(wrongKind.json.error.details[0].reason).toContain("must be a JSON object");
    }
    const event = await h.call("GET", `/v1/events/${s.eventId}`, { key: s.key });
    expect(event.json.deliveries).toHaveLength(1);
  });

  test("the admin key replays for the account it names", async () => {
    const s = await scenario("replay-admin");
    const res = await h.call("POST", `/v1/events/${s.eventId}/replay?account_id=${s.id}`, { key: ADMIN_KEY });
    expect(res.status).toBe(202);
    expect(res.json.deliveries).toHaveLength(1);
    // Without account_id the admin key acts on the operator's own events: not this one.
    const unscoped = await h.call("POST", `/v1/events/${s.eventId}/replay`, { key: ADMIN_KEY });
    expect(unscoped.status).toBe(404);
  });
});

describe("replay limits", () => {
  let limited: Harness;
  beforeAll(async () => {
    limited = await createHarness({ deliveriesPerPublishMax: 1 });
  });
  afterAll(async () => {
    await limited.close();
  });

  test("more subscribers than max_deliveries_per_publish is 422 limit_exceeded and creates nothing", async () => {
    const a = await limited.newAccount("replay-limit");
    await limited.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody({ events: [TYPE] }) });
    const published = await limited.call("POST", "/v1/events", {
      key: a.key,
      body: { type: TYPE, data: eventCatalog.sample(TYPE) },
    });
    await limited.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody({ events: [TYPE] }) });
    const res = await limited.call("POST", `/v1/events/${published.json.id}/replay`, { key: a.key });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe("limit_exceeded");
    const event = await limited.call("GET", `/v1/events/${published.json.id}`, { key: a.key });
    expect(event.json.deliveries).toHaveLength(1);
  });
});
