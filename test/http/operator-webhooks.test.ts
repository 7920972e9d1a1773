// The operator's webhooks through the API (issue 10 item 7): the admin key without account_id
// registers, lists, reads, updates, test-sends, rotates, logs and deletes webhooks of the operator,
// which subscribe only to the operational types (webhook.disabled, delivery.failed, or "*" meaning
// those); account webhooks may not subscribe to them, and accounts cannot publish them. With
// account_id the admin key still acts for that account. GET /v1/event-types lists the operational
// types as operator_only. Operational events fan out to the operator's webhooks only.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
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

async function operatorWebhook(events: string[] = ["webhook.disabled", "delivery.failed"]) {
  const res = await h.call("POST", "/v1/webhooks", {
    ...admin,
    body: { url: "https://ops.example.com/hooks", events, description: "on-call" },
  });
  expect(res.status).toBe(201);
  return res.json as { id: string; secret: string };
}

describe("the operator's webhooks", () => {
  test("the admin key without account_id registers, reads, lists, updates and deletes them", async () => {
    const created = await operatorWebhook();
    expect(created.secret).toMatch(/^whsec_/);
    const got = await h.call("GET", `/v1/webhooks/${created.id}`, admin);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ events: ["webhook.disabled", "delivery.failed"], enabled: true });
    const list = await h.call("GET", "/v1/webhooks", admin);
    expect(list.json.data.map((w: { id: string }) => w.id)).toContain(created.id);
    const updated = await h.call("PUT", `/v1/webhooks/${created.id}`, { ...admin, body: { events: ["*"] } });
    expect(updated.json.events).toEqual(["*"]);
    const disabled = await h.call("PUT", `/v1/webhooks/${created.id}`, {
      ...admin,
      body: { enabled: false },
    });
    expect(disabled.json).toMatchObject({ enabled: false, disabled_reason: "manual" });
    const removed = await h.call("DELETE", `/v1/webhooks/${created.id}`, admin);
    expect(removed.status).toBe(204);
    expect((await h.call("GET", `/v1/webhooks/${created.id}`, admin)).status).toBe(404);
  });

  test("secrets, rotation and logs work on them too", async () => {
    const created = await operatorWebhook();
    const secret = await h.call("GET", `/v1/webhooks/${created.id}/secret`, admin);
    expect(secret.json.secret).toBe(created.secret);
    const rotated = await h.call("POST", `/v1/webhooks/${created.id}/secret/rotate`, {
      ...admin,
      body: { overlap: "0s" },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).not.toBe(created.secret);
    const logs = await h.call("GET", `/v1/webhooks/${created.id}/logs`, admin);
    expect(logs.status).toBe(200);
    expect(logs.json.data).toEqual([]);
  });

  test("stats and recover take them as every other webhook operation does (the admin key, no account_id)", async () => {
    const created = await operatorWebhook();
    const stats = await h.call("GET", `/v1/webhooks/${created.id}/stats`, admin);
    expect(stats.status).toBe(200);
    expect(stats.json).toMatchObject({ webhook_id: created.id, attempts: 0, pending: 0 });
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const recover = await h.call("POST", `/v1/webhooks/${created.id}/recover`, { ...admin, body: { since } });
    expect(recover.status).toBe(202);
    expect(recover.json.deliveries).toBe(0);
    // An account reaches neither.
    expect((await h.call("GET", `/v1/webhooks/${created.id}/stats`)).status).toBe(404);
    expect((await h.call("POST", `/v1/webhooks/${created.id}/recover`, { body: { since } })).status).toBe(
      404,
    );
  });

  test("they are apart from every account's webhooks", async () => {
    const created = await operatorWebhook();
    const mine = await h.call("GET", "/v1/webhooks");
    expect(mine.json.data.map((w: { id: string }) => w.id)).not.toContain(created.id);
    expect((await h.call("GET", `/v1/webhooks/${created.id}`)).status).toBe(404);
    const named = await h.call("GET", `/v1/webhooks/${created.id}?account_id=${h.defaultAccountId}`, admin);
    expect(named.status).toBe(404);
    // The reserved id is no account: it cannot be named, and is never listed.
    const asAccount = await h.call("GET", `/v1/webhooks?account_id=${OPERATOR_ACCOUNT_ID}`, admin);
    expect(asAccount.status).toBe(404);
    const accounts = await h.call("GET", "/v1/accounts", admin);
    expect(accounts.json.data.map((a: { id: string }) => a.id)).not.toContain(OPERATOR_ACCOUNT_ID);
    expect((await h.call("GET", `/v1/accounts/${OPERATOR_ACCOUNT_ID}`, admin)).status).toBe(404);
  });

  test("with account_id the admin key still acts for that account; an empty one is refused", async () => {
    const acct = await h.newAccount("scoped");
    const res = await h.call("POST", "/v1/webhooks", {
      ...admin,
      body: webhookBody({ account_id: acct.id }),
    });
    expect(res.status).toBe(201);
    const seen = await h.call("GET", `/v1/webhooks/${res.json.id}`, { key: acct.key });
    expect(seen.status).toBe(200);
    const empty = await h.call("GET", "/v1/webhooks?account_id=", admin);
    expect(empty.status).toBe(422);
  });

  test("they subscribe to the operational types only, and account webhooks never do", async () => {
    const wrong = await h.call("POST", "/v1/webhooks", { ...admin, body: webhookBody() });
    expect(wrong.status).toBe(422);
    expect(wrong.json.error.details[0]).toEqual({
      field: "/events/0",
      reason: expect.stringContaining('"message.delivered" is an account event type'),
    });
    const star = await operatorWebhook(["*"]);
    expect(star.id).toMatch(/^wh_/);

    const account = await h.call("POST", "/v1/webhooks", {
      body: webhookBody({ events: ["message.read", "delivery.failed"] }),
    });
    expect(account.status).toBe(422);
    expect(account.json.error.details).toEqual([
      {
        field: "/events/1",
        reason: expect.stringContaining('"delivery.failed" is an operational event type'),
      },
    ]);
    const unknown = await h.call("POST", "/v1/webhooks", {
      ...admin,
      body: { url: "https://x.example.com", events: ["nope"] },
    });
    expect(unknown.json.error.details[0].reason).toContain('unknown event type "nope"');
    const id = (await h.call("POST", "/v1/webhooks", { body: webhookBody() })).json.id;
    const update = await h.call("PUT", `/v1/webhooks/${id}`, { body: { events: ["webhook.disabled"] } });
    expect(update.status).toBe(422);
  });

  test("accounts cannot publish the operational types", async () => {
    const res = await h.call("POST", "/v1/events", {
      body: {
        type: "webhook.disabled",
        data: {
          account_id: "acct_x",
          webhook_id: "wh_x",
          reason: "gone",
          disabled_at: "2025-01-15T10:31:12Z",
        },
      },
    });
    expect(res.status).toBe(422);
    expect(res.json.error.details[0].field).toBe("/type");
  });

  test("a test send of an operational type reaches an operator webhook; the account types do not", async () => {
    const created = await operatorWebhook();
    const res = await h.call("POST", "/v1/webhooks/test", {
      ...admin,
      body: { webhook_id: created.id, event_type: "webhook.disabled" },
    });
    expect(res.status).toBe(200);
    const sent = h.delivery.tests.at(-1);
    expect(sent?.webhook.id).toBe(created.id);
    expect(sent?.event).toMatchObject({ account_id: OPERATOR_ACCOUNT_ID, type: "webhook.disabled" });
    expect(sent?.event.data).toMatchObject({ reason: "gone" });
    const wrong = await h.call("POST", "/v1/webhooks/test", {
      ...admin,
      body: { webhook_id: created.id, event_type: "message.delivered" },
    });
    expect(wrong.status).toBe(422);
    const account = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    const accountTest = await h.call("POST", "/v1/webhooks/test", {
      body: { webhook_id: account.json.id, event_type: "delivery.failed" },
    });
    expect(accountTest.status).toBe(422);
  });
});

describe("operational events", () => {
  test("fan out to the operator's subscribed webhooks only, never to an account's \"*\"", async () => {
    const operations = connectedOperations(h);
    const acct = await h.newAccount("fan-out");
    const everything = await h.call("POST", "/v1/webhooks", {
      key: acct.key,
      body: webhookBody({ events: ["*"] }),
    });
    const ops = await operatorWebhook(["delivery.failed"]);
    const failed: DeliveryRecord = {
      id: "dlv_01JH8Z3M1B3D5F7H9K1M3P5R7T",
      account_id: acct.id,
      event_id: "evt_1",
      event_type: "message.delivered",
      webhook_id: everything.json.id,
      status: "failed",
      attempts: 6,
      next_attempt_at: null,
      created_at: Date.now(),
      updated_at: Date.now(),
      last_attempt_at: Date.now(),
      last_status_code: 503,
      last_error: "HTTP 503",
    };
    const before = h.delivery.leases.length;
    await operations.events.deliveryFailed(failed);
    const leased = h.delivery.leases.slice(before).map((l) => l.delivery);
    // Every enabled operator webhook subscribed to delivery.failed gets one; the account's none.
    expect(leased.map((d) => d.account_id)).toEqual(leased.map(() => OPERATOR_ACCOUNT_ID));
    expect(leased.map((d) => d.webhook_id)).toContain(ops.id);
    expect(leased.map((d) => d.webhook_id)).not.toContain(everything.json.id);
    const event = await h.store.events.get(OPERATOR_ACCOUNT_ID, leased[0]?.event_id ?? "");
    expect(event?.data).toEqual({
      account_id: acct.id,
      webhook_id: everything.json.id,
      event_id: "evt_1",
      event_type: "message.delivered",
      delivery_id: failed.id,
      attempts: 6,
      last_status_code: 503,
      last_error: "HTTP 503",
    });
    // About the operator's own deliveries: nothing.
    const count = h.delivery.leases.length;
    await operations.events.deliveryFailed({
      ...failed,
      account_id: OPERATOR_ACCOUNT_ID,
      webhook_id: ops.id,
    });
    expect(h.delivery.leases.length).toBe(count);
  });
});

describe("GET /v1/event-types", () => {
  test("lists the operational types after the account types, marked operator_only, with samples", async () => {
    const res = await h.call("GET", "/v1/event-types");
    expect(res.status).toBe(200);
    const types = res.json.data.map((d: { type: string; operator_only: boolean }) => [
      d.type,
      d.operator_only,
    ]);
    expect(types).toEqual([
      ["message.delivered", false],
      ["message.read", false],
      ["message.failed", false],
      ["message.action", false],
      ["webhook.disabled", true],
      ["delivery.failed", true],
    ]);
    const disabled = res.json.data.find((d: { type: string }) => d.type === "webhook.disabled");
    expect(disabled.description).toContain("Operator only");
    expect(Object.keys(disabled.example.data).sort()).toEqual([
      "account_id",
      "disabled_at",
      "reason",
      "webhook_id",
    ]);
    expect(disabled.schema.properties.reason).toBeDefined();
    const failed = res.json.data.find((d: { type: string }) => d.type === "delivery.failed");
    expect(Object.keys(failed.example.data).sort()).toEqual(
      [
        "account_id",
        "attempts",
        "delivery_id",
        "event_id",
        "event_type",
        "last_error",
        "last_status_code",
        "webhook_id",
      ].sort(),
    );
  });

  test("the OpenAPI document describes operator_only and the admin key's operator scope", async () => {
    const spec = await servedSpec(h);
    expect(JSON.stringify(spec)).toContain("operator_only");
    const params = spec.paths["/v1/webhooks"].get.parameters as {
      name: string;
      schema: { description: string };
    }[];
    expect(params.find((p) => p.name === "account_id")?.schema.description).toContain(
      "operator's own webhooks",
    );
    expect(spec.paths["/v1/webhooks"].post.description).toContain("operational events");
  });
});
