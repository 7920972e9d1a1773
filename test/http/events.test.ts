import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import { PUBLISH_CHUNK_RECORDS } from "../../src/domain/publish-chunks";
import { ADMIN_KEY, createHarness, type Harness, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const delivered = () => structuredClone(eventCatalog.get("message.delivered")!.example.data);

async function account(name: string) {
  const a = await h.newAccount(name);
  const hook = async (body: Record<string, unknown>) => {
    const r = await h.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody(body) });
    expect(r.status).toBe(201);
    return r.json.id as string;
  };
  return { ...a, hook };
}

describe("publish", () => {
  test("fan-out: one delivery per enabled subscriber, '*' included, others excluded", async () => {
    const a = await account("fanout");
    const exact = await a.hook({ events: ["message.delivered"] });
    const star = await a.hook({ events: ["*"] });
    const other = await a.hook({ events: ["message.read"] });
    const disabled = await a.hook({ events: ["message.delivered"] });
    expect(
      (await h.call("PUT", `/v1/webhooks/${disabled}`, { key: a.key, body: { enabled: false } })).status,
    ).toBe(200);
    // A webhook of another account subscribed to everything must not get it either.
    const b = await account("fanout-other");
    await b.hook({ events: ["*"] });

    const before = h.metrics.eventsPublished.get();
    const enqueuedBefore = h.delivery.enqueued.length;
    const res = await h.call("POST", "/v1/events", {
      key: a.key,
      body: { type: "message.delivered", data: delivered() },
    });
    expect(res.status).toBe(202);
    expect(Object.keys(res.json).sort()).toEqual([
      "created_at",
      "data",
      "delivery_count",
      "id",
      "replayed",
      "type",
    ]);
    expect(res.json).toMatchObject({ delivery_count: 2, replayed: false });
    expect(res.json.id).toMatch(/^evt_/);
    expect(res.json.data).toEqual(delivered());
    expect(h.metrics.eventsPublished.get()).toBe(before + 1);

    const got = await h.call("GET", `/v1/events/${res.json.id}`, { key: a.key });
    expect(got.status).toBe(200);
    const hooks = got.json.deliveries.map((d: { webhook_id: string }) => d.webhook_id).sort();
    expect(hooks).toEqual([exact, star].sort());
    expect(hooks).not.toContain(other);
    for (const d of got.json.deliveries) {
      expect(d.status).toBe("pending");
      expect(d.attempt_count).toBe(0);
      expect(d.attempts).toBeUndefined();
      expect(d.id).toMatch(/^dlv_/);
      expect(d.next_attempt_at).toBe(res.json.created_at);
    }
    const enqueued = h.delivery.enqueued.slice(enqueuedBefore).flat();
    expect(enqueued.map((e) => e.delivery_id).sort()).toEqual(
      got.json.deliveries.map((d: { id: string }) => d.id).sort(),
    );
    // The stored event goes along, so the engine need not read it back for the first attempts.
    const announced = h.delivery.announced.slice(enqueuedBefore).flatMap((events) => events ?? []);
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ id: res.json.id, type: "message.delivered", data: delivered() });
  });

  test("idempotent replay answers the stored event and creates no deliveries", async () => {
    const a = await account("idem");
    await a.hook({ events: ["*"] });
    const body = { id: "order-42.delivered", type: "message.delivered", data: delivered() };
    const first = await h.call("POST", "/v1/events", { key: a.key, body });
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ id: "order-42.delivered", delivery_count: 1, replayed: false });
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const enqueuedBefore = h.delivery.enqueued.length;
    const published = h.metrics.eventsPublished.get();

    // The same type and data, keys in another order: a replay.
    const reordered = Object.fromEntries(Object.entries(delivered()).reverse());
    const second = await h.call("POST", "/v1/events", { key: a.key, body: { ...body, data: reordered } });
    expect(second.status).toBe(202);
    expect(second.json).toEqual({ ...first.json, delivery_count: 0, replayed: true });
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(h.delivery.enqueued.length).toBe(enqueuedBefore);
    expect(h.metrics.eventsPublished.get()).toBe(published);
    const got = await h.call("GET", `/v1/events/${first.json.id}`, { key: a.key });
    expect(got.json.deliveries).toHaveLength(1);

    // The same id in another account is a different event.
    const b = await account("idem-other");
    const other = await h.call("POST", "/v1/events", { key: b.key, body });
    expect(other.status).toBe(202);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
  });

  test("reusing an id with other data or another type answers 409 idempotency_conflict", async () => {
    const a = await account("idem-conflict");
    await a.hook({ events: ["*"] });
    const body = { id: "order-43", type: "message.delivered", data: delivered() };
    expect((await h.call("POST", "/v1/events", { key: a.key, body })).status).toBe(202);
    const enqueuedBefore = h.delivery.enqueued.length;

    const data = await h.call("POST", "/v1/events", {
      key: a.key,
      body: { ...body, data: { ...delivered(), device_id: "dev_other" } },
    });
    expect(data.status).toBe(409);
    expect(data.json.error.code).toBe("idempotency_conflict");
    expect(data.json.error.details).toEqual([
      { field: "/data", reason: "differs from the event stored with this id" },
    ]);
    const type = await h.call("POST", "/v1/events", {
      key: a.key,
      body: { id: "order-43", type: "message.read", data: eventCatalog.sample("message.read") },
    });
    expect(type.status).toBe(409);
    expect(type.json.error.details[0].field).toBe("/type");
    expect(h.delivery.enqueued.length).toBe(enqueuedBefore);
    const stored = await h.call("GET", "/v1/events/order-43", { key: a.key });
    expect(stored.json.data).toEqual(delivered());
    expect(stored.json.deliveries).toHaveLength(1);

    // Batch: nothing of it is written; each conflict named, against the store or an earlier event.
    const batch = await h.call("POST", "/v1/events/batch", {
      key: a.key,
      body: {
        events: [
          { id: "fresh-1", type: "message.delivered", data: delivered() },
          { ...body, data: { ...delivered(), device_id: "dev_other" } },
          { id: "fresh-2", type: "message.delivered", data: delivered() },
          { id: "fresh-2", type: "message.delivered", data: { ...delivered(), device_id: "dev_x" } },
          body,
        ],
      },
    });
    expect(batch.status).toBe(409);
    expect(batch.json.error.details.map((d: { field: string }) => d.field)).toEqual([
      "/events/1/data",
      "/events/3/data",
    ]);
    expect((await h.call("GET", "/v1/events/fresh-1", { key: a.key })).status).toBe(404);
    expect(h.delivery.enqueued.length).toBe(enqueuedBefore);
  });

  test("data must fit the type's schema; the field is named", async () => {
    const bad = await h.call("POST", "/v1/events", {
      body: {
        type: "message.delivered",
        data: { ...delivered(), to: 15551234567, delivered_at: "yesterday" },
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details).toContainEqual({ field: "/data/to", reason: "must be a string" });
    expect(bad.json.error.details).toContainEqual({
      field: "/data/delivered_at",
      reason: "must be an RFC 3339 date-time such as 2025-01-15T10:25:03Z",
    });
    const missing = await h.call("POST", "/v1/events", { body: { type: "message.read", data: {} } });
    expect(missing.status).toBe(422);
    expect(missing.json.error.details).toContainEqual({ field: "/data/message_id", reason: "is required" });
    const action = await h.call("POST", "/v1/events", {
      body: {
        type: "message.action",
        data: { ...eventCatalog.sample("message.action"), action_data: { custom_data: {} } },
      },
    });
    expect(action.status).toBe(422);
    expect(action.json.error.details).toEqual([
      { field: "/data/action_data/button_id", reason: "is required" },
    ]);
  });

  test("extra data fields are allowed; envelope fields are not", async () => {
    const ok = await h.call("POST", "/v1/events", {
      body: { type: "message.read", data: { ...eventCatalog.sample("message.read"), channel: "sms" } },
    });
    expect(ok.status).toBe(202);
    expect(ok.json.data.channel).toBe("sms");
    const extra = await h.call("POST", "/v1/events", {
      body: {
        type: "message.read",
        data: eventCatalog.sample("message.read"),
        created_at: "2025-01-01T00:00:00Z",
      },
    });
    expect(extra.status).toBe(422);
    expect(extra.json.error.details).toEqual([{ field: "/created_at", reason: "is not a known field" }]);
  });

  test("unknown type, missing data, bad id", async () => {
    const unknown = await h.call("POST", "/v1/events", { body: { type: "message.sent", data: {} } });
    expect(unknown.status).toBe(422);
    expect(unknown.json.error.details[0].field).toBe("/type");
    expect(unknown.json.error.details[0].reason).toContain("message.action");
    const noData = await h.call("POST", "/v1/events", { body: { type: "message.read" } });
    expect(noData.status).toBe(422);
    expect(noData.json.error.details).toContainEqual({ field: "/data", reason: "is required" });
    const badId = await h.call("POST", "/v1/events", {
      body: { id: "has spaces", type: "message.read", data: eventCatalog.sample("message.read") },
    });
    expect(badId.status).toBe(422);
    expect(badId.json.error.details[0].field).toBe("/id");
  });

  test("admin publishes for an account and must name it", async () => {
    const a = await account("admin-pub");
    const res = await h.call("POST", "/v1/events", {
      key: ADMIN_KEY,
      body: { account_id: a.id, type: "message.failed", data: eventCatalog.sample("message.failed") },
    });
    expect(res.status).toBe(202);
    expect((await h.call("GET", `/v1/events/${res.json.id}`, { key: a.key })).status).toBe(200);
    const noAccount = await h.call("POST", "/v1/events", {
      key: ADMIN_KEY,
      body: { type: "message.failed", data: eventCatalog.sample("message.failed") },
    });
    expect(noAccount.status).toBe(422);
    expect(noAccount.json.error.details[0].field).toBe("/account_id");
  });
});

describe("batch", () => {
  test("publishes all, in order, with their deliveries", async () => {
    const a = await account("batch");
    await a.hook({ events: ["message.read"] });
    const events = ["message.read", "message.delivered", "message.read"].map((type) => ({
      type,
      data: eventCatalog.sample(type),
    }));
    const res = await h.call("POST", "/v1/events/batch", { key: a.key, body: { events } });
    expect(res.status).toBe(202);
    expect(res.json.data.map((e: { type: string }) => e.type)).toEqual(events.map((e) => e.type));
    const counts = await Promise.all(
      res.json.data.map(async (e: { id: string }) => {
        const got = await h.call("GET", `/v1/events/${e.id}`, { key: a.key });
        return got.json.deliveries.length;
      }),
    );
    expect(counts).toEqual([1, 0, 1]);
  });

  test("all or none: one bad event stores nothing and names /events/i/...", async () => {
    const a = await account("batch-bad");
    const events = Array.from({ length: 5 }, () => ({
      type: "message.read",
      data: eventCatalog.sample("message.read"),
    }));
    (events[3]!.data as Record<string, unknown>).to = 5;
    const res = await h.call("POST", "/v1/events/batch", { key: a.key, body: { events } });
    expect(res.status).toBe(422);
    expect(res.json.error.details).toEqual([{ field: "/events/3/data/to", reason: "must be a string" }]);
    const list = await h.call("GET", "/v1/events", { key: a.key });
    expect(list.json.data).toHaveLength(0);

    const unknownType = await h.call("POST", "/v1/events/batch", {
      key: a.key,
      body: {
        events: [
          { type: "message.read", data: eventCatalog.sample("message.read") },
          { type: "x", data: {} },
        ],
      },
    });
    expect(unknownType.status).toBe(422);
    expect(unknownType.json.error.details[0].field).toBe("/events/1/type");
  });

  test("more than 1000 events, or none, is 422", async () => {
    const one = {
      type: "message.read",
      data: { message_id: "m", to: "+1", read_at: "2025-01-15T10:25:15Z", device_id: "d" },
    };
    const big = await h.call("POST", "/v1/events/batch", {
      body: { events: Array.from({ length: 1001 }, () => one) },
    });
    expect(big.status).toBe(422);
    expect(big.json.error.details).toEqual([{ field: "/events", reason: "must have at most 1000 items" }]);
    const empty = await h.call("POST", "/v1/events/batch", { body: { events: [] } });
    expect(empty.status).toBe(422);
    expect(empty.json.error.details[0]).toEqual({ field: "/events", reason: "must not be empty" });
    const thousand = await h.call("POST", "/v1/events/batch", {
      body: { events: Array.from({ length: 1000 }, () => one) },
    });
    expect(thousand.status).toBe(202);
    expect(thousand.json.data).toHaveLength(1000);
  });
});

describe("reading events", () => {
  test("list is newest first and paginated; get of a foreign or missing id is 404", async () => {
    const a = await account("reader");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await h.call("POST", "/v1/events", {
        key: a.key,
        body: { type: "message.read", data: eventCatalog.sample("message.read") },
      });
      ids.push(r.json.id);
    }
    const page = await h.call("GET", "/v1/events?limit=2", { key: a.key });
    expect(page.json.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    const rest = await h.call(
      "GET",
      `/v1/events?limit=2&cursor=${encodeURIComponent(page.json.next_cursor)}`,
      {
        key: a.key,
      },
    );
    expect(rest.json.data.map((e: { id: string }) => e.id)).toEqual([ids[0]]);

    const b = await account("reader-other");
    expect((await h.call("GET", `/v1/events/${ids[0]}`, { key: b.key })).status).toBe(404);
    expect((await h.call("GET", "/v1/events/evt_missing", { key: a.key })).status).toBe(404);
    expect((await h.call("GET", "/v1/events", { key: b.key })).json.data).toHaveLength(0);
    expect((await h.call("GET", "/v1/events?cursor=zzz", { key: a.key })).json.error.code).toBe(
      "invalid_cursor",
    );
  });
});

describe("deliveries per publish limit", () => {
  let limited: Harness;
  beforeAll(async () => {
    limited = await createHarness({ webhooksPerAccountMax: 5, deliveriesPerPublishMax: 10 });
  });
  afterAll(async () => {
    await limited.close();
  });

  async function accountWithHooks(name: string, events: string[][]) {
    const a = await limited.newAccount(name);
    for (const types of events) {
      const r = await limited.call("POST", "/v1/webhooks", {
        key: a.key,
        body: webhookBody({ events: types }),
      });
      expect(r.status).toBe(201);
    }
    return a;
  }
  const read = () => ({ type: "message.read", data: eventCatalog.sample("message.read") });
  const sent = () => ({ type: "message.delivered", data: delivered() });

  test("a batch fanning out past the limit answers 422 limit_exceeded and stores nothing", async () => {
    const a = await accountWithHooks("fan-limit", [["*"], ["*"], ["*"], ["message.read"]]);
    const enqueued = limited.delivery.enqueued.length;
    // 3 delivered events to 3 webhooks and 1 read to 4: 13 deliveries.
    const over = await limited.call("POST", "/v1/events/batch", {
      key: a.key,
      body: { events: [sent(), sent(), sent(), read()] },
    });
    expect(over.status).toBe(422);
    expect(over.json).toEqual({
      error: {
        code: "limit_exceeded",
        message:
          "this publish would create 13 deliveries, more than the 10 allowed in one request; publish fewer events per request",
        details: {
          limit: "max_deliveries_per_publish",
          max: 10,
          requested: 13,
          env: "INBOX_MAX_DELIVERIES_PER_PUBLISH",
          flag: "--max-deliveries-per-publish",
        },
      },
    });
    expect((await limited.call("GET", "/v1/events", { key: a.key })).json.data).toEqual([]);
    expect(limited.delivery.enqueued.length).toBe(enqueued);

    // Exactly at the limit is accepted: 2 x 3 + 4 = 10.
    const at = await limited.call("POST", "/v1/events/batch", {
      key: a.key,
      body: { events: [sent(), read(), sent()] },
    });
    expect(at.status).toBe(202);
    const stored = await Promise.all(
      at.json.data.map(async (e: { id: string }) => {
        const got = await limited.call("GET", `/v1/events/${e.id}`, { key: a.key });
        return got.json.deliveries.length;
      }),
    );
    expect(stored).toEqual([3, 4, 3]);
  });

  test("validation comes before the limit; a single publish is held to it too", async () => {
    const a = await accountWithHooks("fan-limit-single", [["*"], ["*"], ["*"], ["*"], ["*"]]);
    const bad = await limited.call("POST", "/v1/events/batch", {
      key: a.key,
      body: { events: [sent(), sent(), { type: "message.read", data: {} }] },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe("validation_failed");

    const strict = await createHarness({ webhooksPerAccountMax: 5, deliveriesPerPublishMax: 4 });
    try {
      const b = await strict.newAccount("strict");
      for (let i = 0; i < 5; i++) {
        await strict.call("POST", "/v1/webhooks", { key: b.key, body: webhookBody({ events: ["*"] }) });
      }
      const single = await strict.call("POST", "/v1/events", { key: b.key, body: read() });
      expect(single.status).toBe(422);
      expect(single.json.error.details).toMatchObject({ limit: "max_deliveries_per_publish", requested: 5 });
    } finally {
      await strict.close();
    }
  });
});

describe("large publishes are written in chunks", () => {
  const HOOKS = 100;
  /** Events of 1 + 100 records that fit in one write. */
  const PER_CHUNK = Math.floor(PUBLISH_CHUNK_RECORDS / (1 + HOOKS));
  let big: Harness;
  let writes: { events: number; records: number; enqueuedBefore: number }[] = [];
  let failNextWrite = false;
  beforeAll(async () => {
    big = await createHarness();
    const publish = big.store.events.publish.bind(big.store.events);
    big.store.events.publish = (items, options) => {
      writes.push({
        events: items.length,
        records: items.reduce((sum, it) => sum + 1 + it.deliveries.length, 0),
        enqueuedBefore: big.delivery.enqueued.length,
      });
      if (failNextWrite) {
        failNextWrite = false;
        return Promise.reject(new Error("injected: no space left on device"));
      }
      return publish(items, options);
    };
  });
  afterAll(async () => {
    await big.close();
  });

  async function fullAccount(name: string) {
    const a = await big.newAccount(name);
    for (let i = 0; i < HOOKS; i++) {
      const r = await big.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody({ events: ["*"] }) });
      expect(r.status).toBe(201);
    }
    return a;
  }
  const batch = (ids: string[]) => ({
    events: ids.map((id) => ({ id, type: "message.delivered", data: delivered() })),
  });
  const deliveriesOf = (accountId: string, id: string) => big.store.deliveries.listForEvent(accountId, id);

  test("each write holds whole events within the bound, and the engine hears of each once it is stored", async () => {
    const a = await fullAccount("chunked");
    const ids = Array.from({ length: 25 }, (_, i) => `chunk-${i}`);
    writes = [];
    const enqueued = big.delivery.enqueued.length;
    const res = await big.call("POST", "/v1/events/batch", { key: a.key, body: batch(ids) });
    expect(res.status).toBe(202);
    expect(res.json.data.map((e: { id: string }) => e.id)).toEqual(ids);

    const sizes = [PER_CHUNK, PER_CHUNK, 25 - 2 * PER_CHUNK];
    expect(writes.map((w) => w.events)).toEqual(sizes);
    expect(writes.map((w) => w.records)).toEqual(sizes.map((n) => n * (1 + HOOKS)));
    for (const w of writes) expect(w.records).toBeLessThanOrEqual(PUBLISH_CHUNK_RECORDS);
    // Each write's leases handed over one write at a time, before the next write starts.
    expect(writes.map((w) => w.enqueuedBefore - enqueued)).toEqual([0, 1, 2]);
    const announced = big.delivery.enqueued.slice(enqueued);
    expect(announced.map((entries) => entries.length)).toEqual(sizes.map((n) => n * HOOKS));
    for (const id of ids) expect(await deliveriesOf(a.id, id)).toHaveLength(HOOKS);
    expect(
      announced
        .flat()
        .map((e) => e.delivery_id)
        .sort(),
    ).toEqual(
      (await Promise.all(ids.map((id) => deliveriesOf(a.id, id))))
        .flat()
        .map((d) => d.id)
        .sort(),
    );
  });

  test("an id repeated in a later chunk, or published again, replays the stored event", async () => {
    const a = await fullAccount("chunk-replay");
    const ids = Array.from({ length: 25 }, (_, i) => (i === 20 ? "chunk-r-0" : `chunk-r-${i}`));
    const first = await big.call("POST", "/v1/events/batch", { key: a.key, body: batch(ids) });
    expect(first.status).toBe(202);
    expect(first.json.data[20]).toEqual({ ...first.json.data[0], delivery_count: 0, replayed: true });
    expect(first.json.data[0]).toMatchObject({ delivery_count: HOOKS, replayed: false });
    expect(await deliveriesOf(a.id, "chunk-r-0")).toHaveLength(HOOKS);
    expect((await big.call("GET", "/v1/events?limit=100", { key: a.key })).json.data).toHaveLength(24);

    const enqueued = big.delivery.enqueued.length;
    const again = await big.call("POST", "/v1/events/batch", { key: a.key, body: batch(ids) });
    expect(again.status).toBe(202);
    expect(again.json.data).toEqual(
      first.json.data.map((e: object) => ({ ...e, delivery_count: 0, replayed: true })),
    );
    expect(big.delivery.enqueued.length).toBe(enqueued);
    expect((await big.call("GET", "/v1/events?limit=100", { key: a.key })).json.data).toHaveLength(24);
  });

  test("a write failing midway keeps the chunks before it; a retry with the same ids completes the batch", async () => {
    const a = await fullAccount("chunk-failure");
    const ids = Array.from({ length: 25 }, (_, i) => `chunk-f-${i}`);
    const enqueued = big.delivery.enqueued.length;
    writes = [];
    const publish = big.store.events.publish;
    let calls = 0;
    big.store.events.publish = (items, options) => {
      calls++;
      failNextWrite = calls === 2;
      return publish(items, options);
    };
    let failed: Awaited<ReturnType<Harness["call"]>>;
    try {
      failed = await big.call("POST", "/v1/events/batch", { key: a.key, body: batch(ids) });
    } finally {
      big.store.events.publish = publish;
    }
    expect(failed.status).toBe(500);
    expect(failed.json.error.code).toBe("internal");
    expect(writes.map((w) => w.events)).toEqual([PER_CHUNK, PER_CHUNK]);
    // The first chunk is stored and under way; nothing of the others.
    const kept = ids.slice(0, PER_CHUNK);
    for (const id of kept) expect(await deliveriesOf(a.id, id)).toHaveLength(HOOKS);
    for (const id of ids.slice(PER_CHUNK)) expect(await big.store.events.get(a.id, id)).toBeUndefined();
    expect(big.delivery.enqueued.slice(enqueued).flat()).toHaveLength(PER_CHUNK * HOOKS);

    const retried = await big.call("POST", "/v1/events/batch", { key: a.key, body: batch(ids) });
    expect(retried.status).toBe(202);
    expect(retried.json.data.map((e: { id: string }) => e.id)).toEqual(ids);
    for (const id of ids) expect(await deliveriesOf(a.id, id)).toHaveLength(HOOKS);
    expect((await big.call("GET", "/v1/events?limit=100", { key: a.key })).json.data).toHaveLength(25);
    // Every delivery was leased and handed over exactly once over both requests.
    const announced = big.delivery.enqueued
      .slice(enqueued)
      .flat()
      .map((e) => e.delivery_id);
    expect(announced).toHaveLength(25 * HOOKS);
    expect(new Set(announced).size).toBe(25 * HOOKS);
  });
});
