// Disabled webhooks through the API (issue 10 item 2): every webhook answer shows enabled,
// disabled_reason and disabled_at; PUT enabled:false disables it "manual" (cancelling its pending
// deliveries, logged, counted and reported as every disable is), enabled:true clears both and the
// cancelled deliveries stay cancelled; a webhook the engine disabled shows its reason; records
// stored before reasons were kept read as "manual"; the OpenAPI document describes the fields.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { newId } from "../../src/domain/ids";
import type { WebhookRecord } from "../../src/storage/records";
import { createHarness, type Harness, servedSpec, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const DELIVERED = {
  type: "message.delivered",
  data: {
    message_id: "msg_1",
    to: "+15551234567",
    delivered_at: "2025-01-15T10:25:03Z",
    device_id: "dev_1",
  },
};

async function registered(): Promise<string> {
  const res = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
  expect(res.status).toBe(201);
  expect(res.json).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });
  return res.json.id as string;
}

async function deliveryStatuses(eventId: string): Promise<string[]> {
  const res = await h.call("GET", `/v1/events/${eventId}`);
  return res.json.deliveries.map((d: { status: string }) => d.status);
}

describe("disabling a webhook by hand", () => {
  test("enabled:false sets reason manual and the time, and cancels its pending deliveries", async () => {
    const id = await registered();
    const event = await h.call("POST", "/v1/events", { body: DELIVERED });
    expect(await deliveryStatuses(event.json.id)).toEqual(["pending"]);
    const before = h.metrics.webhooksDisabled.get({ reason: "manual" });

    const res = await h.call("PUT", `/v1/webhooks/${id}`, { body: { enabled: false } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ enabled: false, disabled_reason: "manual" });
    expect(res.json.disabled_at).toMatch(RFC3339_SECONDS);
    expect(await deliveryStatuses(event.json.id)).toEqual(["cancelled"]);
    expect(h.metrics.webhooksDisabled.get({ reason: "manual" })).toBe(before + 1);

    const got = await h.call("GET", `/v1/webhooks/${id}`);
    expect(got.json).toMatchObject({
      enabled: false,
      disabled_reason: "manual",
      disabled_at: res.json.disabled_at,
    });
    const listed = await h.call("GET", "/v1/webhooks");
    expect(listed.json.data.find((w: { id: string }) => w.id === id)).toMatchObject({
      disabled_reason: "manual",
    });
    const metrics = await h.call("GET", "/metrics", { key: null });
    expect(metrics.text).toContain('inbox_webhooks_disabled_total{reason="manual"}');
  });

  test("enabled:true clears the reason and time; the cancelled deliveries stay cancelled", async () => {
    const id = await registered();
    const event = await h.call("POST", "/v1/events", { body: DELIVERED });
    await h.call("PUT", `/v1/webhooks/${id}`, { body: { enabled: false } });
    const res = await h.call("PUT", `/v1/webhooks/${id}`, { body: { enabled: true } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });
    expect(await deliveryStatuses(event.json.id)).toEqual(["cancelled"]);
    // Enabled again: new events reach it.
    const next = await h.call("POST", "/v1/events", { body: DELIVERED });
    expect(await deliveryStatuses(next.json.id)).toEqual(["pending"]);
  });

  test("a disabled webhook keeps its reason and time through other changes and a second enabled:false", async () => {
    const id = await registered();
    const disabled = await h.store.webhooks.disable(id, "gone", Date.now() - 60_000);
    expect(disabled?.disabled_reason).toBe("gone");
    const before = h.metrics.webhooksDisabled.get({ reason: "manual" });

    const shown = await h.call("GET", `/v1/webhooks/${id}`);
    expect(shown.json).toMatchObject({ enabled: false, disabled_reason: "gone" });
    const again = await h.call("PUT", `/v1/webhooks/${id}`, {
      body: { enabled: false, description: "dead receiver" },
    });
    expect(again.json).toMatchObject({
      enabled: false,
      disabled_reason: "gone",
      disabled_at: shown.json.disabled_at,
      description: "dead receiver",
    });
    expect(h.metrics.webhooksDisabled.get({ reason: "manual" })).toBe(before);
  });

  test("a record stored before reasons were kept reads as disabled manual, or enabled with nulls", async () => {
    const now = Date.now();
    const old = (enabled: boolean): WebhookRecord => ({
      id: newId("wh", now),
      account_id: h.defaultAccountId,
      url: "https://hooks.example.com/old",
      events: ["*"],
      description: null,
      enabled,
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      created_at: now,
      updated_at: now,
    });
    const off = old(false);
    const on = old(true);
    await h.store.webhooks.create(off);
    await h.store.webhooks.create(on);
    expect((await h.call("GET", `/v1/webhooks/${off.id}`)).json).toMatchObject({
      enabled: false,
      disabled_reason: "manual",
      disabled_at: null,
    });
    expect((await h.call("GET", `/v1/webhooks/${on.id}`)).json).toMatchObject({
      enabled: true,
      disabled_reason: null,
      disabled_at: null,
    });
  });

  test("another account's webhook is not found, and enabled must be a boolean", async () => {
    const id = await registered();
    const other = await h.newAccount("stranger");
    const foreign = await h.call("PUT", `/v1/webhooks/${id}`, { key: other.key, body: { enabled: false } });
    expect(foreign.status).toBe(404);
    const bad = await h.call("PUT", `/v1/webhooks/${id}`, { body: { enabled: "no" } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.json.error.details)).toContain("enabled");
    expect((await h.call("GET", `/v1/webhooks/${id}`)).json.enabled).toBe(true);
  });
});

describe("OpenAPI", () => {
  test("webhook answers document enabled, disabled_reason and disabled_at with examples", async () => {
    const spec = await servedSpec(h);
    const schema = spec.paths["/v1/webhooks/{id}"].get.responses["200"].content["application/json"].schema;
    const props = schema.properties ?? spec.components.schemas[schema.$ref.split("/").pop()].properties;
    expect(props.disabled_reason.description).toContain("gone");
    expect(props.disabled_reason.examples).toEqual(["gone"]);
    expect(props.disabled_at.examples).toEqual(["2025-01-15T10:31:12Z"]);
    expect(props.enabled.description).toContain("disabled");
    const put = spec.paths["/v1/webhooks/{id}"].put;
    expect(put.description).toContain("410");
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(["200", "401", "404", "422"]));
  });
});
