// PUT /v1/webhooks/{id} racing a disable: the service writes its edit as a compare-and-set on the
// record it read, so an edit made from a read older than the engine's 410 disable (or another
// replica's) is applied to the fresh record and never re-enables the webhook; a manual disable is
// the store's atomic disable, reported once however many PUTs ask for it at once; a webhook that
// keeps changing under the edit answers 409.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { WebhookRecord } from "../../src/storage/records";
import type { Store, WebhookVersion } from "../../src/storage/store";
import { createHarness, type Harness, servedSpec, testApp, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const DELIVERED = {
  type: "message.delivered",
  data: { message_id: "msg_1", to: "+15551234567", delivered_at: "2025-01-15T10:25:03Z", device_id: "dev_1" },
};

/** The harness store, with `before` run ahead of every webhook update (the race's other side). */
function storeRacing(before: (webhook: WebhookRecord) => Promise<void>): Store {
  const webhooks = {
    ...h.store.webhooks,
    update: async (webhook: WebhookRecord, expected?: WebhookVersion) => {
      await before(webhook);
      return h.store.webhooks.update(webhook, expected);
    },
  };
  return { ...h.store, webhooks } as Store;
}

async function put(app: ReturnType<typeof testApp>, id: string, body: unknown) {
  const res = await app.handle(
    new Request(`http://localhost/v1/webhooks/${id}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${h.defaultKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  return {
    status: res.status,
    json: (await res.json()) as Record<string, unknown> & { error?: { code: string } },
  };
}

async function registered(): Promise<string> {
  const res = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

describe("PUT /v1/webhooks/{id} racing a disable", () => {
  test("an edit read before the engine's 410 disable is applied to the disabled webhook, which stays disabled", async () => {
    const id = await registered();
    const event = await h.call("POST", "/v1/events", { body: DELIVERED });
    let raced = false;
    const app = testApp(
      storeRacing(async (webhook) => {
        if (raced) return;
        raced = true;
        // Between the service's read and its write: the engine disables it (410 Gone).
        expect(await h.store.webhooks.disable(webhook.id, "gone", Date.now())).toBeDefined();
      }),
      h.config,
    );
    const res = await put(app, id, { description: "renamed" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ description: "renamed", enabled: false, disabled_reason: "gone" });
    const got = await h.call("GET", `/v1/webhooks/${id}`);
    expect(got.json).toMatchObject({ description: "renamed", enabled: false, disabled_reason: "gone" });
    const statuses = (await h.call("GET", `/v1/events/${event.json.id}`)).json.deliveries.map(
      (d: { status: string }) => d.status,
    );
    expect(statuses).toEqual(["cancelled"]);
  });

  test("three PUTs enabled:false at once disable it once, reported once", async () => {
    const id = await registered();
    const before = h.metrics.webhooksDisabled.get({ reason: "manual" });
    const results = await Promise.all(
      [1, 2, 3].map(() => h.call("PUT", `/v1/webhooks/${id}`, { body: { enabled: false } })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    for (const r of results) expect(r.json).toMatchObject({ enabled: false, disabled_reason: "manual" });
    expect(h.metrics.webhooksDisabled.get({ reason: "manual" })).toBe(before + 1);
  });

  test("a manual disable racing the engine's is reported once, for the reason that won", async () => {
    const id = await registered();
    const manual = h.metrics.webhooksDisabled.get({ reason: "manual" });
    expect(await h.store.webhooks.disable(id, "gone", Date.now())).toBeDefined();
    const res = await h.call("PUT", `/v1/webhooks/${id}`, { body: { enabled: false, description: "off" } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ enabled: false, disabled_reason: "gone", description: "off" });
    expect(h.metrics.webhooksDisabled.get({ reason: "manual" })).toBe(manual);
  });

  test("a webhook that changes under every try answers 409 conflict, and keeps the last writer's state", async () => {
    const id = await registered();
    const app = testApp(
      storeRacing(async (webhook) => {
        const stored = await h.store.webhooks.get(webhook.account_id, webhook.id);
        if (stored) await h.store.webhooks.update({ ...stored, updated_at: stored.updated_at + 1 });
      }),
      h.config,
    );
    const res = await put(app, id, { description: "never" });
    expect(res.status).toBe(409);
    expect(res.json.error?.code).toBe("conflict");
    expect((await h.call("GET", `/v1/webhooks/${id}`)).json.description).not.toBe("never");
  });

  test("the OpenAPI document lists the 409", async () => {
    const spec = await servedSpec(h);
    expect(Object.keys(spec.paths["/v1/webhooks/{id}"].put.responses)).toContain("409");
  });
});
