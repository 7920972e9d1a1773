// Envelopes built once per event: the cache's bounds, and the engine sending the events a publish
// handed over with its leases without reading them back (real LMDB, real receivers), while
// deliveries leased from the store read their event once per fan-out and vanished events behave as
// before.

import { describe, expect, test } from "bun:test";
import crypto from "node:crypto";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { type DeliveryEngine, defaultEnvelopeCache } from "../../src/delivery/delivery-engine";
import { type Envelope, EnvelopeCache, envelopeBody, envelopeOf } from "../../src/delivery/envelope";
import { eventCatalog } from "../../src/domain/event-catalog";
import { EventsService } from "../../src/domain/events-service";
import type { DeliveryRecord, EventRecord } from "../../src/storage/records";
import type { Store } from "../../src/storage/store";
import { cleanupAfterEach } from "../support/cleanups";
import { type Receiver, startReceiver } from "../support/receiver";
import {
  createAccount,
  createWebhook,
  engineFor,
  openStore,
  publish,
  publishLeased,
  tempDir,
  testConfig,
  waitUntil,
} from "./fixtures";

const cleanups = cleanupAfterEach();

function envelope(id: string, chars: number, createdAt = 1_000): Envelope {
  return { id, type: "message.delivered", created_at: createdAt, body: "x".repeat(chars) };
}

describe("EnvelopeCache", () => {
  const opts = { entriesMax: 3, charsMax: 100, ageMsMax: 60_000, now: () => 2_000 };

  test("keeps at most entriesMax, dropping the oldest first", () => {
    const cache = new EnvelopeCache(opts);
    for (const id of ["a", "b", "c", "d"]) cache.put("acct_1", envelope(id, 10));
    expect(cache.size).toBe(3);
    expect(cache.totalChars).toBe(30);
    expect(cache.get("acct_1", "a")).toBeUndefined();
    expect(cache.get("acct_1", "d")?.id).toBe("d");
  });

  test("keeps at most charsMax in all, and never a body larger than that", () => {
    const cache = new EnvelopeCache(opts);
    cache.put("acct_1", envelope("a", 40));
    cache.put("acct_1", envelope("b", 40));
    cache.put("acct_1", envelope("c", 40));
    expect(cache.size).toBe(2);
    expect(cache.totalChars).toBe(80);
    expect(cache.get("acct_1", "a")).toBeUndefined();
    cache.put("acct_1", envelope("huge", 101));
    expect(cache.get("acct_1", "huge")).toBeUndefined();
    expect(cache.totalChars).toBe(80);
    cache.put("acct_1", envelope("exact", 100));
    expect(cache.size).toBe(1);
    expect(cache.totalChars).toBe(100);
  });

  test("an event id is looked up within its account, and a second put replaces the first", () => {
    const cache = new EnvelopeCache(opts);
    cache.put("acct_1", envelope("evt", 10));
    expect(cache.get("acct_2", "evt")).toBeUndefined();
    cache.put("acct_1", envelope("evt", 20));
    expect(cache.size).toBe(1);
    expect(cache.totalChars).toBe(20);
    expect(cache.get("acct_1", "evt")?.body).toHaveLength(20);
  });

  test("answers nothing for an event as old as ageMsMax (retention may have deleted it since)", () => {
    let now = 2_000;
    const cache = new EnvelopeCache({ ...opts, now: () => now });
    cache.put("acct_1", envelope("old", 10, now - 60_000));
    expect(cache.size).toBe(0);
    cache.put("acct_1", envelope("evt", 10, now));
    expect(cache.get("acct_1", "evt")).toBeDefined();
    now += 60_000;
    expect(cache.get("acct_1", "evt")).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.totalChars).toBe(0);
  });

  test("clear() empties it", () => {
    const cache = new EnvelopeCache(opts);
    cache.put("acct_1", envelope("a", 10));
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.totalChars).toBe(0);
    expect(cache.get("acct_1", "a")).toBeUndefined();
  });

  test("after many replacements and expiries it still drops the oldest kept first", () => {
    let now = 2_000;
    const cache = new EnvelopeCache({ ...opts, now: () => now });
    cache.put("acct_1", envelope("a", 10, now));
    for (let i = 0; i < 10_000; i++) cache.put("acct_1", envelope("b", 1 + (i % 10), now));
    cache.put("acct_1", envelope("c", 10, now));
    expect(cache.size).toBe(3);
    cache.put("acct_1", envelope("d", 10, now));
    expect(cache.get("acct_1", "a")).toBeUndefined();
    expect([cache.get("acct_1", "b"), cache.get("acct_1", "c"), cache.get("acct_1", "d")]).not.toContain(
      undefined,
    );
    now += 60_000;
    for (const id of ["b", "c", "d"]) expect(cache.get("acct_1", id)).toBeUndefined();
    expect(cache.totalChars).toBe(0);
  });

  test("behaves as a plain first-in-first-out model under any sequence of puts, gets and time", () => {
    type Op =
      | { op: "put"; id: number; chars: number; age: number }
      | { op: "get"; id: number }
      | { op: "tick"; ms: number };
    const op = fc.oneof(
      fc.record({
        op: fc.constant("put" as const),
        id: fc.nat(12),
        chars: fc.nat(60),
        age: fc.nat(150),
      }),
      fc.record({ op: fc.constant("get" as const), id: fc.nat(12) }),
      fc.record({ op: fc.constant("tick" as const), ms: fc.nat(40) }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 300 }),
        fc.integer({ min: 1, max: 6 }),
        (ops: Op[], entriesMax) => {
          let now = 1_000;
          const bounds = { entriesMax, charsMax: 100, ageMsMax: 100 };
          const cache = new EnvelopeCache({ ...bounds, now: () => now });
          const model = new FifoModel(bounds, () => now);
          for (const o of ops) {
            if (o.op === "tick") now += o.ms;
            else if (o.op === "get") {
              const id = `evt_${o.id}`;
              const want = model.get(id);
              expect(cache.get("acct_1", id)).toBe(want as Envelope);
            } else {
              const e = envelope(`evt_${o.id}`, o.chars, now - o.age);
              model.put(e);
              cache.put("acct_1", e);
            }
            expect(cache.size).toBe(model.entries.length);
            expect(cache.totalChars).toBe(model.totalChars());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("envelopeOf carries exactly envelopeBody's text", () => {
    const event: EventRecord = {
      id: "evt_1",
      account_id: "acct_1",
      type: "message.read",
      created_at: Date.UTC(2025, 0, 15, 10, 25, 3, 789),
      data: { b: 1, a: [1, "é", null] },
    };
    expect(envelopeOf(event)).toEqual({
      id: "evt_1",
      type: "message.read",
      created_at: event.created_at,
      body: envelopeBody(event),
    });
  });
});

/** The store, with its event reads counted (and some events made to look gone). */
function spied(store: Store): { store: Store; reads: string[]; gone: Set<string> } {
  const reads: string[] = [];
  const gone = new Set<string>();
  const events: Store["events"] = {
    ...store.events,
    get(accountId, id) {
      reads.push(id);
      return gone.has(id) ? Promise.resolve(undefined) : store.events.get(accountId, id);
    },
  };
  return {
    store: { ...store, events, figures: () => store.figures(), health: () => store.health() },
    reads,
    gone,
  };
}

async function setup(extra: Parameters<typeof engineFor>[2] = {}, configOverrides = {}) {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const real = await openStore(dir.path);
  cleanups.push(() => real.close());
  const { store, reads, gone } = spied(real);
  const config = testConfig({ dataDir: dir.path, retrySchedule: [0], ...configOverrides });
  const { engine, metrics } = engineFor(store, config, extra);
  cleanups.push(() => engine.stop(0));
  const account = await createAccount(real);
  return { real, store, reads, gone, config, engine, metrics, account };
}

function receiver(): Receiver {
  const r = startReceiver(() => new Response("ok"));
  cleanups.push(() => r.stop());
  return r;
}

/** Hands the engine leases that are not the store's (token 0: giving them back changes nothing). */
function handOver(engine: DeliveryEngine, deliveries: DeliveryRecord[], events: EventRecord[]): void {
  const leases = deliveries.map((delivery) => ({ delivery, token: 0, expiresInMs: 60_000 }));
  engine.enqueue({ leases, askedAt: Date.now() }, events);
}

// Data whose text is easy to get wrong: non-ASCII, escapes, a lone surrogate, integer-like keys
// (which JSON.parse reorders), numbers with exponents, "__proto__" as a plain key.
const trickyData = () =>
  JSON.parse(
    '{"z":1,"10":"ten","2":"two","__proto__":{"p":1},"text":"h\\u00e9 \\ud83d\\ude00 \\ud800 \\"q\\" \\\\ \\n\\u0000","n":[1e21,-0,0.1,1.5e-7,-12.5],"deep":{"a":[true,false,null,{}]}}',
  );

describe("delivery engine with the events of leased first attempts", () => {
  test("sends an event handed over with its leases without reading it back, byte for byte the body built from the store", async () => {
    const { real, store, reads, engine, account } = await setup();
    const receivers = [receiver(), receiver(), receiver()];
    const webhooks = await Promise.all(receivers.map((r) => createWebhook(real, account, r.url)));
    engine.start();
    const { event, deliveries } = await publishLeased(real, engine, account, webhooks, {
      data: trickyData(),
    });
    for (const d of deliveries) {
      await waitUntil("success", async () => (await real.deliveries.getById(d.id))?.status === "succeeded");
    }
    // No attempt read the event: all three came from the one envelope handed over.
    expect(reads).toEqual([]);
    const stored = await store.events.get(account, event.id);
    if (!stored) throw new Error("event not stored");
    const fromStore = envelopeBody(stored);
    for (const [i, r] of receivers.entries()) {
      const [req] = r.requests;
      if (!req) throw new Error("no request");
      expect(req.body).toBe(fromStore);
      expect(req.headers.get("x-inbox-event-id")).toBe(event.id);
      expect(req.headers.get("x-inbox-event-type")).toBe("message.delivered");
      const secret = webhooks[i]?.secret as string;
      const expected = crypto.createHmac("sha256", secret).update(fromStore, "utf8").digest("hex");
      expect(req.headers.get("x-inbox-signature")).toBe(`sha256=${expected}`);
      new Webhook(secret).verify(fromStore, {
        "webhook-id": req.headers.get("webhook-id") ?? "",
        "webhook-timestamp": req.headers.get("webhook-timestamp") ?? "",
        "webhook-signature": req.headers.get("webhook-signature") ?? "",
      });
    }
    const attempts = await real.attempts.listForDelivery(deliveries[0]?.id as string);
    expect(attempts[0]).toMatchObject({
      event_id: event.id,
      event_type: "message.delivered",
      outcome: "succeeded",
    });
  });

  test("a publish through EventsService hands the engine its events: no read of them back", async () => {
    const { real, store, reads, engine, metrics, account } = await setup();
    const r = receiver();
    await createWebhook(real, account, r.url);
    const events = new EventsService({
      store,
      catalog: eventCatalog,
      delivery: engine,
      metrics,
      config: { retrySchedule: [0], deliveriesPerPublishMax: 10_000 },
      now: Date.now,
    });
    engine.start();
    const data = structuredClone(eventCatalog.get("message.delivered")?.example.data);
    const outcomes = await events.publish(account, [
      { type: "message.delivered", data },
      { type: "message.delivered", data, id: "order-1" },
    ]);
    // The publish itself looks up the event given an id (its idempotency check); from here on
    // only the engine could read an event.
    reads.length = 0;
    const ids = outcomes.flatMap((o) => o.deliveries.map((d) => d.id));
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      await waitUntil("success", async () => (await real.deliveries.getById(id))?.status === "succeeded");
    }
    expect(reads).toEqual([]);
    const sent = r.requests.map((q) => q.body).sort();
    const stored = await Promise.all(outcomes.map((o) => real.events.get(account, o.event.id)));
    const built = stored.map((e) => envelopeBody(e as EventRecord)).sort();
    expect(sent).toEqual(built);
  });

  test("a delivery leased from the store reads its event, once for its whole fan-out", async () => {
    const { real, reads, engine, account } = await setup();
    const receivers = [receiver(), receiver()];
    const webhooks = await Promise.all(receivers.map((r) => createWebhook(real, account, r.url)));
    engine.start();
    // Not leased by their publish: the scheduler leases them from the store's due work.
    const { event, deliveries } = await publish(real, account, webhooks, { data: trickyData() });
    for (const d of deliveries) {
      await waitUntil("success", async () => (await real.deliveries.getById(d.id))?.status === "succeeded");
    }
    expect(reads).toEqual([event.id]);
    const fromStore = envelopeBody((await real.events.get(account, event.id)) as EventRecord);
    for (const r of receivers) expect(r.requests[0]?.body).toBe(fromStore);
  });

  test("leases handed over without their events are sent as before, reading the event", async () => {
    const { real, reads, engine, account } = await setup();
    const r = receiver();
    const webhook = await createWebhook(real, account, r.url);
    engine.start();
    const askedAt = Date.now();
    const lease = engine.publishLease();
    const { event, deliveries, leases } = await publish(real, account, [webhook], { lease });
    expect(leases).toHaveLength(1);
    engine.enqueue({ leases, askedAt }, []);
    const id = deliveries[0]?.id as string;
    await waitUntil("success", async () => (await real.deliveries.getById(id))?.status === "succeeded");
    expect(reads).toEqual([event.id]);
    expect(r.requests[0]?.body).toBe(envelopeBody(event));
  });

  test("a delivery whose event is gone fails at once without a request, as before", async () => {
    const { real, gone, engine, account } = await setup({}, { retrySchedule: [0, 10, 10] });
    const r = receiver();
    const webhook = await createWebhook(real, account, r.url);
    engine.start();
    const askedAt = Date.now();
    const lease = engine.publishLease();
    const { event, deliveries, leases } = await publish(real, account, [webhook], { lease });
    gone.add(event.id);
    engine.enqueue({ leases, askedAt }, []);
    const id = deliveries[0]?.id as string;
    await waitUntil("failure", async () => (await real.deliveries.getById(id))?.status === "failed");
    expect(await real.attempts.listForDelivery(id)).toMatchObject([
      { attempt: 1, outcome: "failed", error_message: "the event is no longer stored; nothing to send" },
    ]);
    expect(r.requests).toHaveLength(0);
  });

  test("the cache stays within its bounds when many large events are handed over, and stop() empties it", async () => {
    const envelopes = new EnvelopeCache({
      entriesMax: 8,
      charsMax: 50_000,
      ageMsMax: 86_400_000,
      now: Date.now,
    });
    const { real, engine, account } = await setup({ envelopes });
    const r = receiver();
    const webhook = await createWebhook(real, account, r.url);
    const sent: EventRecord[] = [];
    // Not started: nothing is sent, so only the bounds can keep the cache small.
    for (let i = 0; i < 30; i++) {
      const { event, deliveries } = await publish(real, account, [webhook], {
        data: { i, blob: "b".repeat(4_000 + i * 100) },
      });
      handOver(engine, deliveries, [event]);
      sent.push(event);
      expect(envelopes.size).toBeLessThanOrEqual(8);
      expect(envelopes.totalChars).toBeLessThanOrEqual(50_000);
    }
    expect(envelopes.size).toBeGreaterThan(0);
    // An event larger than the whole bound is not kept at all.
    const huge = await publish(real, account, [webhook], { data: { blob: "h".repeat(60_000) } });
    handOver(engine, huge.deliveries, [huge.event]);
    expect(envelopes.totalChars).toBeLessThanOrEqual(50_000);
    await engine.stop(0);
    expect(envelopes.size).toBe(0);
    expect(envelopes.totalChars).toBe(0);
  });

  test("the default bounds hold: at most 4,096 envelopes and 8 Mi characters", async () => {
    const envelopes = defaultEnvelopeCache({ retentionMs: 86_400_000 }, Date.now);
    const { engine, account } = await setup({ envelopes });
    const announce = (i: number, data: unknown) =>
      handOver(
        engine,
        [pendingDelivery(`dlv_unknown_${i}`, account, `evt_${i}`, Date.now() + 30_000)],
        [{ id: `evt_${i}`, account_id: account, type: "message.delivered", created_at: Date.now(), data }],
      );
    for (let i = 0; i < 5_000; i++) announce(i, { i });
    expect(envelopes.size).toBe(4_096);
    const mib = "m".repeat(1024 * 1024);
    for (let i = 0; i < 12; i++) announce(10_000 + i, { mib });
    expect(envelopes.totalChars).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(envelopes.size).toBeLessThan(12);
  });

  test("a publish whose deliveries fall due later leases none and caches no event", async () => {
    const envelopes = defaultEnvelopeCache({ retentionMs: 86_400_000 }, Date.now);
    const { real, store, engine, metrics, account } = await setup({ envelopes });
    await createWebhook(real, account, receiver().url);
    engine.start();
    const events = new EventsService({
      store,
      catalog: eventCatalog,
      delivery: engine,
      metrics,
      config: { retrySchedule: [3_600_000], deliveriesPerPublishMax: 10_000 },
      now: Date.now,
    });
    const data = structuredClone(eventCatalog.get("message.delivered")?.example.data);
    const [out] = await events.publish(account, [{ type: "message.delivered", data }]);
    expect(out?.deliveries).toHaveLength(1);
    expect(engine.leasesHeld()).toBe(0);
    expect(envelopes.size).toBe(0);
  });
});

/** A pending delivery record due at `due`, as a publish would hand it to the engine. */
function pendingDelivery(id: string, accountId: string, eventId: string, due: number): DeliveryRecord {
  return {
    id,
    account_id: accountId,
    event_id: eventId,
    event_type: "message.delivered",
    webhook_id: "wh_unknown",
    status: "pending",
    attempts: 0,
    next_attempt_at: due,
    created_at: due,
    updated_at: due,
    last_attempt_at: null,
    last_status_code: null,
    last_error: null,
  };
}

/** The model of the cache: insertion-ordered entries, evicted from the front. */
class FifoModel {
  entries: Envelope[] = [];
  constructor(
    private readonly bounds: { entriesMax: number; charsMax: number; ageMsMax: number },
    private readonly now: () => number,
  ) {}

  totalChars(): number {
    return this.entries.reduce((n, m) => n + m.body.length, 0);
  }

  /** The fresh entry for `id`, if any; a stale one is dropped. */
  get(id: string): Envelope | undefined {
    const want = this.entries.find((e) => e.id === id && this.fresh(e));
    this.entries = this.entries.filter((e) => e.id !== id || this.fresh(e));
    return want;
  }

  put(e: Envelope): void {
    this.entries = this.entries.filter((m) => m.id !== e.id);
    if (e.body.length <= this.bounds.charsMax && this.fresh(e)) this.entries.push(e);
    while (this.entries.length > this.bounds.entriesMax || this.totalChars() > this.bounds.charsMax) {
      this.entries.shift();
    }
  }

  private fresh(e: Envelope): boolean {
    return this.now() - e.created_at < this.bounds.ageMsMax;
  }
}
