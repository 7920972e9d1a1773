// The operator's own events and deliveries through the API: the admin key without account_id reads,
// replays and retries them, as it acts on the operator's own webhooks on /v1/webhooks; accounts never
// see them; publishing with the admin key still needs account_id (operational events are published
// by the appliance only).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { newId } from "../../src/domain/ids";
import { OPERATOR_ACCOUNT_ID } from "../../src/domain/operator";
import type { DeliveryRecord } from "../../src/storage/records";
import {
  ADMIN_KEY,
  connectedOperations,
  createHarness,
  type Harness,
  servedSpec,
  webhookBody,
} from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const admin = { key: ADMIN_KEY };

/** An operator webhook and one delivery.failed event delivered to it (leased by the FakeDelivery). */
async function operatorDelivery() {
  const operations = connectedOperations(h);
  const ops = await h.call("POST", "/v1/webhooks", {
    ...admin,
    body: { url: "https://ops.example.com/hooks", events: ["delivery.failed"] },
  });
  expect(ops.status).toBe(201);
  const account = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
  const now = Date.now();
  const failed: DeliveryRecord = {
    id: newId("dlv", now),
    account_id: h.defaultAccountId,
    event_id: "evt_1",
    event_type: "message.delivered",
    webhook_id: account.json.id,
    status: "failed",
    attempts: 6,
    next_attempt_at: null,
    created_at: now,
    updated_at: now,
    last_attempt_at: now,
    last_status_code: 503,
    last_error: "HTTP 503",
  };
  const before = h.delivery.leases.length;
  await operations.events.deliveryFailed(failed);
  const lease = h.delivery.leases.slice(before).find((l) => l.delivery.webhook_id === ops.json.id);
  if (!lease) throw new Error("no operator delivery was leased");
  return { webhookId: ops.json.id as string, lease };
}

describe("the admin key without account_id on /v1/events and /v1/deliveries", () => {
  test("lists and reads the operator's events; accounts never see them", async () => {
    const { lease } = await operatorDelivery();
    const eventId = lease.delivery.event_id;
    const list = await h.call("GET", "/v1/events", admin);
    expect(list.status).toBe(200);
    expect(list.json.data.map((e: { id: string }) => e.id)).toContain(eventId);
    expect(list.json.data.every((e: { type: string }) => e.type === "delivery.failed")).toBe(true);
    const one = await h.call("GET", `/v1/events/${eventId}`, admin);
    expect(one.status).toBe(200);
    expect(one.json.deliveries.map((d: { id: string }) => d.id)).toEqual([lease.delivery.id]);

    const mine = await h.call("GET", "/v1/events");
    expect(mine.json.data.map((e: { id: string }) => e.id)).not.toContain(eventId);
    expect((await h.call("GET", `/v1/events/${eventId}`)).status).toBe(404);
    const named = await h.call("GET", `/v1/events/${eventId}?account_id=${h.defaultAccountId}`, admin);
    expect(named.status).toBe(404);
    const reserved = await h.call("GET", `/v1/events?account_id=${OPERATOR_ACCOUNT_ID}`, admin);
    expect(reserved.status).toBe(404);
    expect((await h.call("GET", "/v1/events?account_id=", admin)).status).toBe(422);
  });

  test("lists, reads and retries a failed operator delivery; accounts reach none of it", async () => {
    const { webhookId, lease } = await operatorDelivery();
    const id = lease.delivery.id;
    const startedAt = Date.now();
    const recorded = await h.store.deliveries.recordAttempt(
      {
        id: newId("att", startedAt),
        account_id: OPERATOR_ACCOUNT_ID,
        webhook_id: webhookId,
        delivery_id: id,
        event_id: lease.delivery.event_id,
        event_type: lease.delivery.event_type,
        attempt: 1,
        started_at: startedAt,
        duration_ms: 5,
        outcome: "failed",
        status_code: 500,
        error_class: "http_status",
        error_message: "HTTP 500",
        response_body: "",
        test: false,
      },
      { status: "failed" },
      { delivery_id: id, token: lease.token },
    );
    expect(recorded.kind).toBe("recorded");

    const list = await h.call("GET", `/v1/deliveries?status=failed&webhook_id=${webhookId}`, admin);
    expect(list.status).toBe(200);
    expect(list.json.data.map((d: { id: string }) => d.id)).toEqual([id]);
    const one = await h.call("GET", `/v1/deliveries/${id}`, admin);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id, status: "failed", webhook_id: webhookId });
    expect(one.json.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1]);

    expect((await h.call("GET", `/v1/deliveries/${id}`)).status).toBe(404);
    expect((await h.call("POST", `/v1/deliveries/${id}/retry`)).status).toBe(404);
    const mine = await h.call("GET", "/v1/deliveries");
    expect(mine.json.data.map((d: { id: string }) => d.id)).not.toContain(id);

    const retried = await h.call("POST", `/v1/deliveries/${id}/retry`, admin);
    expect(retried.status).toBe(202);
    expect(retried.json).toMatchObject({ id, status: "pending" });
  });

  test("replays an operator event to the operator's webhooks", async () => {
    const { webhookId, lease } = await operatorDelivery();
    const res = await h.call("POST", `/v1/events/${lease.delivery.event_id}/replay`, {
      ...admin,
      body: { webhook_id: webhookId },
    });
    expect(res.status).toBe(202);
    expect(res.json.deliveries).toEqual([
      expect.objectContaining({ webhook_id: webhookId, status: "pending" }),
    ]);
    const asAccount = await h.call("POST", `/v1/events/${lease.delivery.event_id}/replay`);
    expect(asAccount.status).toBe(404);
  });

  test("publishing with the admin key still needs account_id", async () => {
    const single = await h.call("POST", "/v1/events", {
      ...admin,
      body: { type: "delivery.failed", data: {} },
    });
    expect(single.status).toBe(422);
    expect(single.json.error.details).toEqual([{ field: "/account_id", reason: expect.any(String) }]);
    const batch = await h.call("POST", "/v1/events/batch", {
      ...admin,
      body: { events: [{ type: "message.read", data: {} }] },
    });
    expect(batch.status).toBe(422);
    expect(batch.json.error.details).toEqual([{ field: "/account_id", reason: expect.any(String) }]);
  });

  test("the OpenAPI document says what account_id means for each", async () => {
    const spec = await servedSpec(h);
    const described = (path: string, method: string) =>
      (spec.paths[path][method].parameters as { name: string; schema: { description: string } }[]).find(
        (p) => p.name === "account_id",
      )?.schema.description;
    for (const [path, method] of [
      ["/v1/events", "get"],
      ["/v1/events/{id}", "get"],
      ["/v1/events/{id}/replay", "post"],
      ["/v1/deliveries", "get"],
      ["/v1/deliveries/{id}", "get"],
      ["/v1/deliveries/{id}/retry", "post"],
    ] as const) {
      expect(described(path, method)).toContain("operator's own");
    }
    const body = spec.paths["/v1/events"].post.requestBody.content["application/json"].schema;
    const publish = body.$ref ? spec.components.schemas[body.$ref.split("/").pop()] : body;
    expect(JSON.stringify(publish)).toContain("required with the admin key");
  });
});
