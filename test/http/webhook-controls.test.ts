// Per-webhook controls (issue 11 items 1-3) through the HTTP API, on either store: custom headers,
// rate_limit and channels on webhooks, channels on events; every refusal is a 422 naming the field,
// and channels decide which webhooks an event reaches (publish, batch and replay).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import { ADMIN_KEY, createHarness, type Harness, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const TYPE = "message.delivered";
const data = () => eventCatalog.sample(TYPE);
const HEADERS = { Authorization: "Bearer rk_live_4eC39HqLyjWDarjtT1zdp7dc", "X-Tenant": "acme" };

/** The 422's details for a webhook created with `extra`. */
async function createIssues(extra: Record<string, unknown>, key?: string) {
  const res = await h.call("POST", "/v1/webhooks", { body: webhookBody(extra), ...(key ? { key } : {}) });
  expect(res.status).toBe(422);
  return res.json.error.details as { field: string; reason: string }[];
}

describe("webhook headers, rate_limit and channels", () => {
  test("create shows them as given; GET, list and PUT too; PUT clears them", async () => {
    const created = await h.call("POST", "/v1/webhooks", {
      body: webhookBody({ headers: HEADERS, rate_limit: 50, channels: ["eu-west", "tenant:acme"] }),
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      headers: HEADERS,
      rate_limit: 50,
      channels: ["eu-west", "tenant:acme"],
    });
    expect(Object.keys(created.json.headers)).toEqual(["Authorization", "X-Tenant"]);
    const id = created.json.id;

    const got = await h.call("GET", `/v1/webhooks/${id}`);
    expect(got.json).toMatchObject({
      headers: HEADERS,
      rate_limit: 50,
      channels: ["eu-west", "tenant:acme"],
    });
    const listed = await h.call("GET", "/v1/webhooks");
    expect(listed.json.data.find((w: { id: string }) => w.id === id).headers).toEqual(HEADERS);

    const changed = await h.call("PUT", `/v1/webhooks/${id}`, { body: { rate_limit: 10_000 } });
    expect(changed.status).toBe(200);
    // Fields not given stay as they were.
    expect(changed.json).toMatchObject({
      headers: HEADERS,
      rate_limit: 10_000,
      channels: ["eu-west", "tenant:acme"],
    });

    const cleared = await h.call("PUT", `/v1/webhooks/${id}`, {
      body: { headers: {}, rate_limit: null, channels: [] },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.json).toMatchObject({ headers: {}, rate_limit: null, channels: [] });
    expect((await h.call("GET", `/v1/webhooks/${id}`)).json).toMatchObject({
      headers: {},
      rate_limit: null,
      channels: [],
    });
  });

  test("a webhook registered without them shows none", async () => {
    const created = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    expect(created.json).toMatchObject({ headers: {}, rate_limit: null, channels: [] });
  });

  test.each([
    "Host",
    "Content-Length",
    "content-type",
    "Transfer-Encoding",
    "CONNECTION",
    "User-Agent",
    "X-Inbox-Signature",
    "x-inbox-custom",
    "webhook-id",
    "Webhook-Anything",
  ])("the reserved header %s answers 422 naming it", async (name) => {
    const details = await createIssues({ headers: { Accept: "*/*", [name]: "x" } });
    expect(details).toHaveLength(1);
    expect(details[0]?.field).toBe(`/headers/${name}`);
    expect(details[0]?.reason).toContain("cannot be replaced");
  });

  test("names differing only by case, bad names and bad values each answer 422 naming the header", async () => {
    const details = await createIssues({
      headers: {
        "X-Key": "a",
        "x-key": "b",
        "Bad Name": "v",
        "X-Newline": "a\r\nX-Injected: 1",
        "X-Long": "v".repeat(1025),
        "X-Accent": "café",
      },
    });
    expect(details.map((d) => d.field)).toEqual([
      "/headers/x-key",
      "/headers/Bad Name",
      "/headers/X-Newline",
      "/headers/X-Long",
      "/headers/X-Accent",
    ]);
    expect(details[0]?.reason).toContain('duplicates "X-Key"');
    // 1 KiB exactly is fine.
    expect(
      (
        await h.call("POST", "/v1/webhooks", {
          body: webhookBody({ headers: { "X-Long": "v".repeat(1024) } }),
        })
      ).status,
    ).toBe(201);
  });

  test("more than 20 headers, a non-string value and a non-object answer 422", async () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, "v"]));
    expect(await createIssues({ headers: many })).toEqual([
      { field: "/headers", reason: "must have at most 20 entries" },
    ]);
    expect((await createIssues({ headers: { "X-N": 5 } }))[0]?.field).toBe("/headers/X-N");
    expect((await createIssues({ headers: ["X-A"] }))[0]?.field).toBe("/headers");
  });

  test("PUT refuses what create refuses, and changes nothing", async () => {
    const created = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    const put = (body: unknown) => h.call("PUT", `/v1/webhooks/${created.json.id}`, { body });
    const headers = await put({ headers: { host: "evil.example" }, rate_limit: 5 });
    expect(headers.status).toBe(422);
    expect(headers.json.error.details.map((d: { field: string }) => d.field)).toEqual(["/headers/host"]);
    const channels = await put({ channels: ["ok", "no spaces"] });
    expect(channels.json.error.details.map((d: { field: string }) => d.field)).toEqual(["/channels/1"]);
    const rate = await put({ rate_limit: 0 });
    expect(rate.json.error.details.map((d: { field: string }) => d.field)).toEqual(["/rate_limit"]);
    expect((await h.call("GET", `/v1/webhooks/${created.json.id}`)).json).toMatchObject({
      headers: {},
      rate_limit: null,
      channels: [],
    });
  });

  test.each([0, 10_001, 1.5, "5", -1])("rate_limit %p answers 422", async (value) => {
    const details = await createIssues({ rate_limit: value });
    expect(details[0]?.field).toBe("/rate_limit");
  });

  test("rate_limit 1 and 10,000 are accepted", async () => {
    for (const rate_limit of [1, 10_000]) {
      const res = await h.call("POST", "/v1/webhooks", { body: webhookBody({ rate_limit }) });
      expect(res.status).toBe(201);
      expect(res.json.rate_limit).toBe(rate_limit);
    }
  });

  test("bad webhook channels answer 422 naming each; more than 50 is refused whole", async () => {
    const details = await createIssues({ channels: ["ok", "", "a b", "x".repeat(129)] });
    expect(details.map((d) => d.field)).toEqual(["/channels/1", "/channels/2", "/channels/3"]);
    expect(await createIssues({ channels: ["ok", "b", "ok"] })).toEqual([
      { field: "/channels/2", reason: 'duplicates "ok"' },
    ]);
    const fifty = Array.from({ length: 50 }, (_, i) => `c${i}`);
    expect((await h.call("POST", "/v1/webhooks", { body: webhookBody({ channels: fifty }) })).status).toBe(
      201,
    );
    expect((await createIssues({ channels: [...fifty, "c50"] }))[0]?.field).toBe("/channels");
  });

  test("the operator's webhooks take headers but no channels (operational events carry none)", async () => {
    const body = webhookBody({ events: ["webhook.disabled"], headers: HEADERS });
    const withChannels = await h.call("POST", "/v1/webhooks", {
      key: ADMIN_KEY,
      body: { ...body, channels: ["eu"] },
    });
    expect(withChannels.status).toBe(422);
    expect(withChannels.json.error.details.map((d: { field: string }) => d.field)).toEqual(["/channels"]);
    const created = await h.call("POST", "/v1/webhooks", { key: ADMIN_KEY, body });
    expect(created.status).toBe(201);
    expect(created.json.headers).toEqual(HEADERS);
  });

  test("a test send hands the engine the webhook with its headers", async () => {
    const created = await h.call("POST", "/v1/webhooks", { body: webhookBody({ headers: HEADERS }) });
    const before = h.delivery.tests.length;
    const res = await h.call("POST", "/v1/webhooks/test", {
      body: { webhook_id: created.json.id, event_type: TYPE },
    });
    expect(res.status).toBe(200);
    expect(h.delivery.tests[before]?.webhook.headers).toEqual(HEADERS);
    expect(h.delivery.tests[before]?.event.data).toEqual(eventCatalog.sample(TYPE));
  });

  test("a test send with data sends it instead of the sample; data that does not fit answers 422", async () => {
    const created = await h.call("POST", "/v1/webhooks", { body: webhookBody({}) });
    const before = h.delivery.tests.length;
    const mine = { ...data(), to: "+15550000000" };
    const res = await h.call("POST", "/v1/webhooks/test", {
      body: { webhook_id: created.json.id, event_type: TYPE, data: mine },
    });
    expect(res.status).toBe(200);
    expect(h.delivery.tests[before]?.event).toMatchObject({ type: TYPE, data: mine, test: true });

    const bad = await h.call("POST", "/v1/webhooks/test", {
      body: { webhook_id: created.json.id, event_type: TYPE, data: { ...data(), to: 15550000000 } },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details).toContainEqual({ field: "/data/to", reason: "must be a string" });
    const notObject = await h.call("POST", "/v1/webhooks/test", {
      body: { webhook_id: created.json.id, event_type: TYPE, data: [1] },
    });
    expect(notObject.status).toBe(422);
    expect(notObject.json.error.details[0].field).toBe("/data");
    expect(h.delivery.tests.length).toBe(before + 1);
  });
});

describe("event channels", () => {
  test("bad channels answer 422 naming /channels/<i>, and /events/<i>/channels/<j> in a batch", async () => {
    const single = await h.call("POST", "/v1/events", {
      body: { type: TYPE, data: data(), channels: ["a", "b", "c", "not ok"] },
    });
    expect(single.status).toBe(422);
    expect(single.json.error.details.map((d: { field: string }) => d.field)).toEqual(["/channels/3"]);

    const batch = await h.call("POST", "/v1/events/batch", {
      body: {
        events: [
          { type: TYPE, data: data() },
          { type: TYPE, data: data(), channels: ["fine"] },
          { type: TYPE, data: data(), channels: ["x".repeat(129)] },
        ],
      },
    });
    expect(batch.status).toBe(422);
    expect(batch.json.error.details.map((d: { field: string }) => d.field)).toEqual(["/events/2/channels/0"]);

    const eleven = Array.from({ length: 11 }, (_, i) => `c${i}`);
    const many = await h.call("POST", "/v1/events", { body: { type: TYPE, data: data(), channels: eleven } });
    expect(many.status).toBe(422);
    expect(many.json.error.details[0].field).toBe("/channels");
    const dup = await h.call("POST", "/v1/events", {
      body: { type: TYPE, data: data(), channels: ["a", "a"] },
    });
    expect(dup.json.error.details).toEqual([{ field: "/channels/1", reason: 'duplicates "a"' }]);
  });

  /** An account with webhooks: `all` without channels, `eu` on ["eu"], `apac` on ["us", "ap"]. */
  async function routing() {
    const a = await h.newAccount("channels");
    const hook = async (channels?: string[]) =>
      (
        await h.call("POST", "/v1/webhooks", {
          key: a.key,
          body: webhookBody({ events: [TYPE], ...(channels ? { channels } : {}) }),
        })
      ).json.id as string;
    return { key: a.key, all: await hook(), eu: await hook(["eu"]), apac: await hook(["us", "ap"]) };
  }
  const targets = async (key: string, eventId: string) =>
    ((await h.call("GET", `/v1/events/${eventId}`, { key })).json.deliveries as { webhook_id: string }[])
      .map((d) => d.webhook_id)
      .sort();

  test("a webhook with channels receives only events sharing one; one without, every event", async () => {
    const r = await routing();
    const publish = async (channels?: string[]) => {
      const res = await h.call("POST", "/v1/events", {
        key: r.key,
        body: { type: TYPE, data: data(), ...(channels ? { channels } : {}) },
      });
      expect(res.status).toBe(202);
      // The answer is the envelope and what the publish created: channels are never part of it.
      expect(Object.keys(res.json).sort()).toEqual([
        "created_at",
        "data",
        "delivery_count",
        "id",
        "replayed",
        "type",
      ]);
      return res.json.id as string;
    };
    expect(await targets(r.key, await publish())).toEqual([r.all]);
    expect(await targets(r.key, await publish(["eu"]))).toEqual([r.all, r.eu].sort());
    expect(await targets(r.key, await publish(["x", "ap"]))).toEqual([r.all, r.apac].sort());
    expect(await targets(r.key, await publish(["eu", "us"]))).toEqual([r.all, r.eu, r.apac].sort());
    expect(await targets(r.key, await publish(["nobody"]))).toEqual([r.all]);

    const batch = await h.call("POST", "/v1/events/batch", {
      key: r.key,
      body: {
        events: [
          { type: TYPE, data: data(), channels: ["eu"] },
          { type: TYPE, data: data() },
        ],
      },
    });
    expect(batch.status).toBe(202);
    expect(await targets(r.key, batch.json.data[0].id)).toEqual([r.all, r.eu].sort());
    expect(await targets(r.key, batch.json.data[1].id)).toEqual([r.all]);
  });

  test("GET /v1/events/{id} shows the channels; republishing the id answers the stored event", async () => {
    const r = await routing();
    const body = { id: "order-1:shipped", type: TYPE, data: data(), channels: ["eu", "tenant:acme"] };
    const first = await h.call("POST", "/v1/events", { key: r.key, body });
    expect(first.status).toBe(202);
    const got = await h.call("GET", `/v1/events/${first.json.id}`, { key: r.key });
    expect(got.json.channels).toEqual(["eu", "tenant:acme"]);
    const again = await h.call("POST", "/v1/events", { key: r.key, body });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual({ ...first.json, delivery_count: 0, replayed: true });
    expect(first.json.delivery_count).toBe(2);
    expect(await targets(r.key, first.json.id)).toEqual([r.all, r.eu].sort());

    const plain = await h.call("POST", "/v1/events", { key: r.key, body: { type: TYPE, data: data() } });
    expect((await h.call("GET", `/v1/events/${plain.json.id}`, { key: r.key })).json.channels).toEqual([]);
  });

  test("a replay to the subscribers follows the channels; a replay naming a webhook sends regardless", async () => {
    const r = await routing();
    const published = await h.call("POST", "/v1/events", {
      key: r.key,
      body: { type: TYPE, data: data(), channels: ["eu"] },
    });
    const id = published.json.id;
    const all = await h.call("POST", `/v1/events/${id}/replay`, { key: r.key, body: {} });
    expect(all.status).toBe(202);
    expect(all.json.deliveries.map((d: { webhook_id: string }) => d.webhook_id).sort()).toEqual(
      [r.all, r.eu].sort(),
    );
    const named = await h.call("POST", `/v1/events/${id}/replay`, {
      key: r.key,
      body: { webhook_id: r.apac },
    });
    expect(named.status).toBe(202);
    expect(named.json.deliveries.map((d: { webhook_id: string }) => d.webhook_id)).toEqual([r.apac]);
  });

  test("changing a webhook's channels changes what it receives next", async () => {
    const r = await routing();
    await h.call("PUT", `/v1/webhooks/${r.eu}`, { key: r.key, body: { channels: [] } });
    const res = await h.call("POST", "/v1/events", {
      key: r.key,
      body: { type: TYPE, data: data(), channels: ["ap"] },
    });
    expect(await targets(r.key, res.json.id)).toEqual([r.all, r.eu, r.apac].sort());
  });
});
