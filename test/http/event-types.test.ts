// Operator-defined event types (issue 11 item 4) through the HTTP API: register, replace, archive,
// the merged catalog on publish (single and batch), subscriptions and test sends, route scopes.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_KEY, createHarness, type Harness, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const schema = {
  type: "object",
  required: ["order_id", "status", "total"],
  properties: {
    order_id: { type: "string", pattern: "^ord_[A-Za-z0-9]+$" },
    status: { enum: ["paid", "shipped"] },
    total: {
      type: "object",
      required: ["amount", "currency"],
      properties: {
        amount: { type: "integer", minimum: 0 },
        currency: { type: "string", pattern: "^[A-Z]{3}$" },
      },
    },
    email: { type: "string", format: "email" },
  },
};
const example = { order_id: "ord_8F2K", status: "paid", total: { amount: 4200, currency: "EUR" } };

const register = (body: Record<string, unknown>, key: string = ADMIN_KEY) =>
  h.call("POST", "/v1/event-types", { key, body: { description: "An order event.", schema, ...body } });
const publish = (type: string, data: unknown, key = h.defaultKey) =>
  h.call("POST", "/v1/events", { key, body: { type, data } });

describe("registering an event type", () => {
  test("201 with the type as the catalog shows it; GET lists and reads it", async () => {
    const res = await register({ name: "order.paid", example });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      type: "order.paid",
      description: "An order event.",
      built_in: false,
      archived: false,
      operator_only: false,
      schema,
      example: { type: "order.paid", data: example },
    });
    expect(res.json.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const list = await h.call("GET", "/v1/event-types");
    const names = list.json.data.map((d: { type: string }) => d.type);
    expect(names.slice(0, 5)).toEqual([
      "message.delivered",
      "message.read",
      "message.failed",
      "message.action",
      "order.paid",
    ]);
    expect(list.json.data[0].built_in).toBe(true);
    const one = await h.call("GET", "/v1/event-types/order.paid");
    expect(one.status).toBe(200);
    expect(one.json.schema).toEqual(schema);
    expect((await h.call("GET", "/v1/event-types/order.unknown")).status).toBe(404);
  });

  test("422 naming the field: bad names, invalid schemas (pointer in /schema), examples that do not fit", async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ name: "Order.Paid" }, "/name", "lower-case"],
      [{ name: "order" }, "/name", "at least two"],
      [
        { name: "order.bad", schema: { type: "object", properties: { a: { type: "strng" } } } },
        "/schema/properties/a/type",
        "must be one of",
      ],
      [
        { name: "order.bad", schema: { type: "object", properties: { a: { minLenght: 1 } } } },
        "/schema/properties/a/minLenght",
        "unknown keyword",
      ],
      [
        {
          name: "order.bad",
          schema: { type: "object", properties: { a: { $ref: "https://example.com/x.json" } } },
        },
        "/schema/properties/a/$ref",
        "not fetched",
      ],
      [{ name: "order.bad", schema: { type: "array" } }, "/schema/type", "object"],
      [
        { name: "order.bad", example: { ...example, total: { amount: -1, currency: "EUR" } } },
        "/example/total/amount",
        ">= 0",
      ],
      [
        { name: "order.bad", example: { status: "paid", total: example.total } },
        "/example/order_id",
        "is required",
      ],
    ];
    for (const [body, field, reason] of cases) {
      const res = await register(body);
      expect(res.status).toBe(422);
      expect(res.json.error.code).toBe("validation_failed");
      const issue = res.json.error.details.find((d: { field: string }) => d.field === field);
      expect(issue?.reason, `${JSON.stringify(body)} -> ${res.text}`).toContain(reason);
    }
    expect((await register({ name: "order.bad", surprise: 1 })).status).toBe(422);
    expect((await h.call("GET", "/v1/event-types/order.bad")).status).toBe(404);
  });

  test("409 for a built-in name (account or operational) and for a name already registered", async () => {
    for (const name of ["message.delivered", "webhook.disabled"]) {
      const res = await register({ name });
      expect(res.status).toBe(409);
      expect(res.json.error.message).toContain("built in");
      const put = await h.call("PUT", `/v1/event-types/${name}`, {
        key: ADMIN_KEY,
        body: { description: "x", schema },
      });
      expect(put.status).toBe(409);
      expect((await h.call("DELETE", `/v1/event-types/${name}`, { key: ADMIN_KEY })).status).toBe(409);
    }
    await register({ name: "order.twice" });
    const again = await register({ name: "order.twice" });
    expect(again.status).toBe(409);
    expect(again.json.error.message).toContain("already exists");
  });
});

describe("publishing with an operator type", () => {
  test("valid data is accepted and delivered to subscribed webhooks; bad data names the pointer under /data", async () => {
    await register({ name: "order.shipped", example });
    const hook = await h.call("POST", "/v1/webhooks", { body: webhookBody({ events: ["order.shipped"] }) });
    expect(hook.status).toBe(201);
    const ok = await publish("order.shipped", example);
    expect(ok.status).toBe(202);
    const got = await h.call("GET", `/v1/events/${ok.json.id}`);
    expect(got.json.deliveries.map((d: { webhook_id: string }) => d.webhook_id)).toEqual([hook.json.id]);

    const bad = await publish("order.shipped", { ...example, order_id: "42" });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0]).toMatchObject({ field: "/data/order_id" });
    expect(bad.json.error.details[0].reason).toContain("pattern");
    const nested = await publish("order.shipped", { ...example, total: { amount: 1 } });
    expect(nested.json.error.details).toEqual([{ field: "/data/total/currency", reason: "is required" }]);
    const format = await publish("order.shipped", { ...example, email: "nope" });
    expect(format.json.error.details).toEqual([
      { field: "/data/email", reason: 'must match format "email"' },
    ]);
  });

  test("a batch names /events/N/data/...; nothing of a bad batch is stored", async () => {
    const events = [
      { type: "order.shipped", data: example },
      {
        type: "message.read",
        data: { message_id: "m", to: "+1555", read_at: "2025-01-15T10:25:15Z", device_id: "d" },
      },
      { type: "order.shipped", data: example },
      { type: "order.shipped", data: { ...example, status: "lost" } },
    ];
    const res = await h.call("POST", "/v1/events/batch", { body: { events } });
    expect(res.status).toBe(422);
    expect(res.json.error.details).toEqual([
      { field: "/events/3/data/status", reason: 'must be one of: "paid", "shipped"' },
    ]);
    const ok = await h.call("POST", "/v1/events/batch", { body: { events: events.slice(0, 3) } });
    expect(ok.status).toBe(202);
  });

  test("a test send uses the type's example; a type without one answers 422", async () => {
    await register({ name: "order.refunded" });
    const hook = await h.call("POST", "/v1/webhooks", {
      body: webhookBody({ events: ["order.shipped", "order.refunded"] }),
    });
    const sent = await h.call("POST", "/v1/webhooks/test", {
      body: { webhook_id: hook.json.id, event_type: "order.shipped" },
    });
    expect(sent.status).toBe(200);
    expect(h.delivery.tests.at(-1)?.event).toMatchObject({ type: "order.shipped", data: example });
    const none = await h.call("POST", "/v1/webhooks/test", {
      body: { webhook_id: hook.json.id, event_type: "order.refunded" },
    });
    expect(none.status).toBe(422);
    expect(none.json.error.details[0]).toMatchObject({ field: "/event_type" });
    expect(none.json.error.details[0].reason).toContain("no example");
  });
});

describe("replacing and archiving", () => {
  test("PUT replaces the schema: publishes are checked against the new one at once", async () => {
    await register({ name: "invoice.issued", schema: { type: "object" } });
    expect((await publish("invoice.issued", { anything: 1 })).status).toBe(202);
    const put = await h.call("PUT", "/v1/event-types/invoice.issued", {
      key: ADMIN_KEY,
      body: {
        description: "An invoice.",
        schema: { type: "object", required: ["invoice_id"], properties: { invoice_id: { type: "string" } } },
        example: { invoice_id: "inv_1" },
      },
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      description: "An invoice.",
      example: { data: { invoice_id: "inv_1" } },
    });
    const refused = await publish("invoice.issued", { anything: 1 });
    expect(refused.status).toBe(422);
    expect(refused.json.error.details).toEqual([{ field: "/data/invoice_id", reason: "is required" }]);
    expect((await publish("invoice.issued", { invoice_id: "inv_2" })).status).toBe(202);
    const badExample = await h.call("PUT", "/v1/event-types/invoice.issued", {
      key: ADMIN_KEY,
      body: { description: "x", schema: { type: "object", required: ["a"] }, example: {} },
    });
    expect(badExample.status).toBe(422);
    expect(badExample.json.error.details[0].field).toBe("/example/a");
    const missing = await h.call("PUT", "/v1/event-types/invoice.nope", {
      key: ADMIN_KEY,
      body: { description: "x", schema },
    });
    expect(missing.status).toBe(404);
  });

  test("DELETE archives: no new publishes or subscriptions, history readable, existing subscriptions kept", async () => {
    await register({ name: "ticket.opened", schema: { type: "object" }, example: { id: "t1" } });
    const hook = await h.call("POST", "/v1/webhooks", {
      body: webhookBody({ events: ["ticket.opened", "message.read"] }),
    });
    const before = await publish("ticket.opened", { id: "t1" });
    expect(before.status).toBe(202);

    expect((await h.call("DELETE", "/v1/event-types/ticket.opened", { key: ADMIN_KEY })).status).toBe(204);
    expect((await h.call("DELETE", "/v1/event-types/ticket.opened", { key: ADMIN_KEY })).status).toBe(204);

    const refused = await publish("ticket.opened", { id: "t2" });
    expect(refused.status).toBe(422);
    expect(refused.json.error.details[0].field).toBe("/type");
    expect(refused.json.error.details[0].reason).toContain("archived");
    const batch = await h.call("POST", "/v1/events/batch", {
      body: {
        events: [
          { type: "message.read", data: {} },
          { type: "ticket.opened", data: {} },
        ],
      },
    });
    expect(batch.json.error.details.map((d: { field: string }) => d.field)).toContain("/events/1/type");
    const subscribe = await h.call("POST", "/v1/webhooks", {
      body: webhookBody({ events: ["ticket.opened"] }),
    });
    expect(subscribe.status).toBe(422);
    expect(subscribe.json.error.details[0]).toMatchObject({ field: "/events/0" });
    expect(subscribe.json.error.details[0].reason).toContain("archived");
    const test = await h.call("POST", "/v1/webhooks/test", {
      body: { webhook_id: hook.json.id, event_type: "ticket.opened" },
    });
    expect(test.status).toBe(422);
    expect(test.json.error.details[0].reason).toContain("archived");

    // History and the subscription stay; the webhook may be updated keeping the archived type.
    expect((await h.call("GET", `/v1/events/${before.json.id}`)).json.type).toBe("ticket.opened");
    const kept = await h.call("PUT", `/v1/webhooks/${hook.json.id}`, {
      body: { events: ["ticket.opened", "message.delivered"] },
    });
    expect(kept.status).toBe(200);
    expect(kept.json.events).toEqual(["ticket.opened", "message.delivered"]);

    const listed = await h.call("GET", "/v1/event-types");
    expect(listed.json.data.some((d: { type: string }) => d.type === "ticket.opened")).toBe(false);
    const all = await h.call("GET", "/v1/event-types?include_archived=true");
    expect(all.json.data.find((d: { type: string }) => d.type === "ticket.opened")).toMatchObject({
      archived: true,
    });
    expect((await h.call("GET", "/v1/event-types/ticket.opened")).json.archived).toBe(true);
    const badQuery = await h.call("GET", "/v1/event-types?include_archived=yes");
    expect(badQuery.status).toBe(422);
    expect(badQuery.json.error.details).toEqual([
      { field: "include_archived", reason: "must be one of: true, false" },
    ]);

    const put = await h.call("PUT", "/v1/event-types/ticket.opened", {
      key: ADMIN_KEY,
      body: { description: "x", schema: { type: "object" } },
    });
    expect(put.status).toBe(409);
    expect(put.json.error.message).toContain("archived");
    const reuse = await register({ name: "ticket.opened" });
    expect(reuse.status).toBe(409);
    expect(reuse.json.error.message).toContain("archived");
    expect((await h.call("DELETE", "/v1/event-types/ticket.nope", { key: ADMIN_KEY })).status).toBe(404);
    // A name no type can have (longer than an LMDB key may be) is unknown, not a store error.
    const long = `a.${"b".repeat(5_000)}`;
    expect((await h.call("DELETE", `/v1/event-types/${long}`, { key: ADMIN_KEY })).status).toBe(404);
    expect((await h.call("GET", `/v1/event-types/${long}`)).status).toBe(404);
    const putLong = await h.call("PUT", `/v1/event-types/${long}`, {
      key: ADMIN_KEY,
      body: { description: "x", schema: { type: "object" } },
    });
    expect(putLong.status).toBe(404);
  });
});

describe("scopes", () => {
  test("writes need the admin key; reading the catalog needs publish", async () => {
    const publishKey = await h.call("POST", `/v1/accounts/${h.defaultAccountId}/keys`, {
      key: ADMIN_KEY,
      body: { scopes: ["publish"] },
    });
    const manageKey = await h.call("POST", `/v1/accounts/${h.defaultAccountId}/keys`, {
      key: ADMIN_KEY,
      body: { scopes: ["manage"] },
    });
    const refused = await register({ name: "order.scoped" }, h.defaultKey);
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe("insufficient_scope");
    expect(refused.json.error.details).toEqual({ required_scope: "admin" });
    expect((await h.call("GET", "/v1/event-types", { key: publishKey.json.api_key })).status).toBe(200);
    expect((await h.call("GET", "/v1/event-types/order.paid", { key: publishKey.json.api_key })).status).toBe(
      200,
    );
    expect((await h.call("GET", "/v1/event-types", { key: manageKey.json.api_key })).status).toBe(403);
    const del = await h.call("DELETE", "/v1/event-types/order.paid", { key: publishKey.json.api_key });
    expect(del.status).toBe(403);
  });
});
