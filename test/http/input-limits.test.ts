// Hostile input through the API: deeply nested or oversized event data, numbers a receiver would get
// altered, and integer query parameters written any way but plain decimal. Each answers 422 naming
// the field and the limit, and nothing of a refused request reaches the store or the engine.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import { ADMIN_KEY, createHarness, type Harness, webhookBody } from "./harness";

let h: Harness;
let key: string;
let webhookId: string;
beforeAll(async () => {
  h = await createHarness();
  ({ key } = await h.newAccount("limits"));
  const hook = await h.call("POST", "/v1/webhooks", { key, body: webhookBody({ events: ["*"] }) });
  expect(hook.status).toBe(201);
  webhookId = hook.json.id;
});
afterAll(async () => {
  await h.close();
});

const delivered = () => structuredClone(eventCatalog.get("message.delivered")!.example.data);

/** message.delivered data whose `extra` member makes it `levels` deep (data itself is level 1). */
function dataOfDepth(levels: number): Record<string, unknown> {
  let inner: unknown = "bottom";
  for (let i = 0; i < levels - 1; i++) inner = { n: inner };
  return { ...delivered(), extra: inner };
}

/** The JSON text of a publish body whose data nests `levels` deep ({"n": …}), built as text. */
function deepPublishText(levels: number): string {
  return `{"type":"message.delivered","data":${'{"n":'.repeat(levels)}1${"}".repeat(levels)}}`;
}

async function publishRaw(text: string, harness = h, apiKey = key) {
  return harness.call("POST", "/v1/events", {
    key: apiKey,
    rawBody: text,
    headers: { "content-type": "application/json" },
  });
}

async function storedEventCount(): Promise<number> {
  const res = await h.call("GET", "/v1/events?limit=100", { key });
  expect(res.status).toBe(200);
  return res.json.data.length;
}

describe("nesting of event data", () => {
  test("32 levels are accepted, 33 are 422 naming the pointer and the limit", async () => {
    const ok = await h.call("POST", "/v1/events", {
      key,
      body: { type: "message.delivered", data: dataOfDepth(32) },
    });
    expect(ok.status).toBe(202);
    const deep = await h.call("POST", "/v1/events", {
      key,
      body: { type: "message.delivered", data: dataOfDepth(33) },
    });
    expect(deep.status).toBe(422);
    expect(deep.json.error.code).toBe("validation_failed");
    expect(deep.json.error.details).toEqual([
      {
        field: `/data/extra${"/n".repeat(31)}`,
        reason: "nests deeper than 32 levels of objects and arrays, the limit for event data",
      },
    ]);
  });

  test("40,000 levels are 422, not 500, and nothing is stored or enqueued", async () => {
    const events = await storedEventCount();
    const enqueued = h.delivery.enqueued.length;
    const res = await publishRaw(deepPublishText(40_000));
    expect(res.status).toBe(422);
    expect(res.json.error.details[0].field).toBe(`/data${"/n".repeat(32)}`);
    expect(await storedEventCount()).toBe(events);
    expect(h.delivery.enqueued.length).toBe(enqueued);
  });

  test("a batch with one deep event stores none of its events", async () => {
    const events = await storedEventCount();
    const enqueued = h.delivery.enqueued.length;
    const good = JSON.stringify({ type: "message.delivered", data: delivered() });
    const deep = deepPublishText(40_000);
    const res = await h.call("POST", "/v1/events/batch", {
      key,
      rawBody: `{"events":[${good},${deep},${good}]}`,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(422);
    expect(res.json.error.details).toEqual([
      {
        field: `/events/1/data${"/n".repeat(32)}`,
        reason: "nests deeper than 32 levels of objects and arrays, the limit for event data",
      },
    ]);
    expect(await storedEventCount()).toBe(events);
    expect(h.delivery.enqueued.length).toBe(enqueued);
  });

  test("the depth limit follows dataDepthMax", async () => {
    const other = await createHarness({ dataDepthMax: 64 });
    try {
      const publish = (levels: number) =>
        other.call("POST", "/v1/events", { body: { type: "message.delivered", data: dataOfDepth(levels) } });
      expect((await publish(64)).status).toBe(202);
      const res = await publish(65);
      expect(res.status).toBe(422);
      expect(res.json.error.details[0].reason).toStartWith("nests deeper than 64 levels");
    } finally {
      await other.close();
    }
  });
});

describe("sizes in event data", () => {
  test("strings, keys and arrays over their limits are 422 naming the field", async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { note: "x".repeat(65_537) },
        "/data/note",
        "is a string of 65537 characters; strings may have at most 65536",
      ],
      [{ ["k".repeat(257)]: 1 }, "/data", "has a key of 257 characters; keys may have at most 256"],
      [
        { list: new Array(10_001).fill(0) },
        "/data/list",
        "has more than 10000 items; arrays may have at most 10000",
      ],
    ];
    for (const [extra, field, reason] of cases) {
      const res = await h.call("POST", "/v1/events", {
        key,
        body: { type: "message.delivered", data: { ...delivered(), ...extra } },
      });
      expect(res.status, field).toBe(422);
      expect(res.json.error.details, field).toEqual([{ field, reason }]);
    }
    const atLimits = { note: "x".repeat(65_536), ["k".repeat(256)]: 1, list: new Array(10_000).fill(0) };
    const ok = await h.call("POST", "/v1/events", {
      key,
      body: { type: "message.delivered", data: { ...delivered(), ...atLimits } },
    });
    expect(ok.status).toBe(202);
  });
});

describe("numbers in event data", () => {
  test("a number the receiver would get altered is 422 naming it and what would arrive", async () => {
    const base = JSON.stringify(delivered()).slice(0, -1);
    for (const [number, arrives] of [
      ["12345678901234567890123", "1.2345678901234568e+22"],
      ["1e400", "null"],
      ["9007199254740993", "9007199254740992"],
      ["1e-400", "0"],
    ]) {
      const res = await publishRaw(`{"type":"message.delivered","data":${base},"amount":${number}}}`);
      expect(res.status, number).toBe(422);
      const [issue] = res.json.error.details;
      expect(issue.field, number).toBe("/data/amount");
      expect(issue.reason, number).toStartWith(
        `is a number the receiver would not get exactly (it would arrive as ${arrives})`,
      );
      expect(issue.reason, number).toEndWith("send it as a string");
    }
    const batch = await h.call("POST", "/v1/events/batch", {
      key,
      rawBody: `{"events":[{"type":"message.delivered","data":${base},"n":[1,2,1e999]}}]}`,
      headers: { "content-type": "application/json" },
    });
    expect(batch.status).toBe(422);
    expect(batch.json.error.details[0].field).toBe("/events/0/data/n/2");
  });

  test("numbers that survive are stored and served with the value sent, whatever the spelling", async () => {
    const base = JSON.stringify(delivered()).slice(0, -1);
    const numbers = "[1.0,1E2,0.10,-0,9007199254740991,1e21,5e-324,123.456,-1.5e-7]";
    const res = await publishRaw(`{"type":"message.delivered","data":${base},"n":${numbers}}}`);
    expect(res.status).toBe(202);
    const got = await h.call("GET", `/v1/events/${res.json.id}`, { key });
    expect(got.text).toContain('"n":[1,100,0.1,0,9007199254740991,1e+21,5e-324,123.456,-1.5e-7]');
  });
});

describe("integer query parameters", () => {
  const listings = () => [
    { path: "/v1/webhooks", key },
    { path: "/v1/events", key },
    { path: `/v1/webhooks/${webhookId}/logs`, key },
    { path: "/v1/accounts", key: ADMIN_KEY },
  ];
  const decimalReason = "must be an integer from 1 to 100 written in decimal digits, such as 20";

  test("anything but a plain decimal integer is 422 naming limit, on every listing", async () => {
    const cases: [string, string][] = [
      ["1e20", decimalReason],
      ["1e1", decimalReason],
      ["0x10", decimalReason],
      ["%205", decimalReason],
      ["5%20", decimalReason],
      ["+5", decimalReason],
      ["5.0", decimalReason],
      ["", decimalReason],
      ["Infinity", decimalReason],
      ["%EF%BC%95", decimalReason], // a fullwidth 5
      ["99999999999999999999", "must be at most 100"],
      [`1${"0".repeat(400)}`, "must be at most 100"],
      ["101", "must be at most 100"],
      ["0", "must be at least 1"],
      ["-0", "must be at least 1"],
      ["-5", "must be at least 1"],
    ];
    for (const listing of listings()) {
      for (const [value, reason] of cases) {
        const res = await h.call("GET", `${listing.path}?limit=${value}`, { key: listing.key });
        const label = `${listing.path}?limit=${value.slice(0, 30)}`;
        expect(res.status, label).toBe(422);
        expect(res.json.error.details, label).toEqual([{ field: "limit", reason }]);
      }
    }
  });

  test("a parameter given more than once is 422, whatever its values (the router would keep the last)", async () => {
    for (const listing of listings()) {
      for (const query of ["limit=5&limit=6", "limit=&limit=succeeded&limit=10", "limit=10&limit=10"]) {
        const res = await h.call("GET", `${listing.path}?${query}`, { key: listing.key });
        expect(res.status, `${listing.path}?${query}`).toBe(422);
        expect(res.json.error.details).toEqual([{ field: "limit", reason: "must be given once" }]);
      }
    }
  });

  test("any other query parameter given more than once is 422 naming it, even with one value twice", async () => {
    const since = "2025-01-15T10:25:03Z";
    const cases: [string, string, string][] = [
      ["/v1/deliveries", "status", "status=succeeded&status=failed"],
      ["/v1/deliveries", "status", "status=failed&status=failed"],
      ["/v1/deliveries", "since", `since=${since}&since=2099-01-01T00:00:00Z`],
      ["/v1/deliveries", "until", `until=${since}&until=${since}`],
      ["/v1/deliveries", "event_type", "event_type=message.read&event_type=message.delivered"],
      ["/v1/deliveries", "event_id", "event_id=a&event_id=b"],
      ["/v1/deliveries", "webhook_id", `webhook_id=${webhookId}&webhook_id=wh_other`],
      ["/v1/deliveries", "cursor", "cursor=a&cursor=b"],
      [`/v1/webhooks/${webhookId}/logs`, "outcome", "outcome=failed&outcome=succeeded"],
      [`/v1/webhooks/${webhookId}/stats`, "since", `since=${since}&since=${since}`],
      ["/v1/events", "cursor", "cursor=&cursor="],
    ];
    for (const [path, field, query] of cases) {
      const res = await h.call("GET", `${path}?${query}`, { key });
      expect(res.status, `${path}?${query}`).toBe(422);
      expect(res.json.error.details, `${path}?${query}`).toEqual([{ field, reason: "must be given once" }]);
    }
    const scoped = await h.call("GET", `/v1/webhooks?account_id=${h.defaultAccountId}&account_id=acct_x`, {
      key: ADMIN_KEY,
    });
    expect(scoped.json.error.details).toEqual([{ field: "account_id", reason: "must be given once" }]);
  });

  test("plain decimal integers in range are read as numbers", async () => {
    for (const listing of listings()) {
      for (const value of ["1", "05", "100"]) {
        const res = await h.call("GET", `${listing.path}?limit=${value}`, { key: listing.key });
        expect(res.status, `${listing.path}?limit=${value}`).toBe(200);
      }
    }
    const one = await h.call("GET", "/v1/events?limit=1", { key });
    expect(one.json.data).toHaveLength(1);
    expect(one.json.next_cursor).not.toBeNull();
  });
});
