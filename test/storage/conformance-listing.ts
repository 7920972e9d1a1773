// Conformance: DeliveryRepository.list (GET /v1/deliveries). A reference model (sort every stored
// delivery by its event's created_at, the event id, then its index among the event's deliveries,
// all descending; filter) is compared with what the store pages out, for every filter alone and
// combined, at several page sizes: pages must neither repeat nor skip, whatever their length.

import { describe, expect, test } from "bun:test";
import type { DeliveryFilter, DeliveryRecord, DeliveryStatus, EventRecord } from "../../src/storage/records";
import { InvalidCursorError, type Store } from "../../src/storage/store";
import { allPages, delivery, event, T0, type Tenant, tenant, webhook } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

interface Listed {
  delivery: DeliveryRecord;
  event: EventRecord;
  index: number;
}

const STATUSES: DeliveryStatus[] = ["pending", "succeeded", "failed", "cancelled"];

function newestFirst(a: Listed, b: Listed): number {
  if (a.event.created_at !== b.event.created_at) return b.event.created_at - a.event.created_at;
  if (a.event.id !== b.event.id) return a.event.id < b.event.id ? 1 : -1;
  return b.index - a.index;
}

function model(all: Listed[], f: DeliveryFilter): string[] {
  return all
    .filter(
      ({ delivery: d, event: e }) =>
        (f.webhook_id === undefined || d.webhook_id === f.webhook_id) &&
        (f.status === undefined || d.status === f.status) &&
        (f.event_type === undefined || e.type === f.event_type) &&
        (f.event_id === undefined || e.id === f.event_id) &&
        (f.since === undefined || e.created_at >= f.since) &&
        (f.until === undefined || e.created_at < f.until),
    )
    .sort(newestFirst)
    .map((l) => l.delivery.id);
}

async function listAll(store: Store, accountId: string, filter: DeliveryFilter, limit: number) {
  const pages = await allPages((cursor) =>
    store.deliveries.list(accountId, filter, cursor ? { limit, cursor } : { limit }),
  );
  for (const page of pages) expect(page.length).toBeLessThanOrEqual(limit);
  return { ids: pages.flat().map((d) => d.id), pages };
}

interface Fixture {
  t: Tenant;
  second: string;
  all: Listed[];
  events: EventRecord[];
}

/**
 * 24 events of two types over 12 distinct times (pairs share a time, so the id decides), fanned out
 * to one or both of the tenant's webhooks with every status, plus a replay of an old event and
 * another account's events at the same times.
 */
async function fill(store: Store): Promise<Fixture> {
  const t = await tenant(store);
  const other = await tenant(store);
  const second = webhook(t.account.id);
  await store.webhooks.create(second);
  const all: Listed[] = [];
  const events: EventRecord[] = [];
  for (let i = 0; i < 24; i++) {
    const ev = event(t.account.id, {
      type: i % 3 === 0 ? "order.paid" : "message.delivered",
      created_at: T0 + Math.floor(i / 2) * 1_000,
    });
    const targets = i % 2 === 0 ? [t.webhook.id, second.id] : [t.webhook.id];
    const deliveries = targets.map((wh, k) => {
      const status = STATUSES[(i + k) % 4] as DeliveryStatus;
      const due = status === "pending" ? ev.created_at : null;
      return delivery(ev, wh, { status, next_attempt_at: due });
    });
    await store.events.publish([{ event: ev, deliveries }]);
    deliveries.forEach((d, index) => {
      all.push({ delivery: d, event: ev, index });
    });
    events.push(ev);
    const foreign = event(other.account.id, { created_at: ev.created_at });
    await store.events.publish([{ event: foreign, deliveries: [delivery(foreign, other.webhook.id)] }]);
  }
  // A replay of an old event lists with that event, before its original deliveries.
  const old = events[4] as EventRecord;
  const replay = delivery(old, second.id, { created_at: T0 + 60_000, updated_at: T0 + 60_000 });
  const added = await store.events.addDeliveries(t.account.id, old.id, [replay]);
  expect(added.kind).toBe("added");
  const originals = all.filter((l) => l.event.id === old.id).length;
  all.push({ delivery: replay, event: old, index: originals });
  return { t, second: second.id, all, events };
}

function filters(f: Fixture): Array<[string, DeliveryFilter]> {
  const mid = T0 + 5_000;
  const event7 = f.events[7] as EventRecord;
  return [
    ["none", {}],
    ["webhook_id", { webhook_id: f.second }],
    ["webhook_id (first)", { webhook_id: f.t.webhook.id }],
    ...STATUSES.map((status): [string, DeliveryFilter] => [`status ${status}`, { status }]),
    ["event_type", { event_type: "order.paid" }],
    ["event_id", { event_id: event7.id }],
    ["event_id of the replayed event", { event_id: (f.events[4] as EventRecord).id }],
    ["since", { since: mid }],
    ["until", { until: mid }],
    ["since and until", { since: T0 + 2_000, until: T0 + 9_000 }],
    ["webhook_id and pending", { webhook_id: f.second, status: "pending" }],
    ["webhook_id and pending since", { webhook_id: f.t.webhook.id, status: "pending", since: mid }],
    [
      "webhook_id, failed, event_type",
      { webhook_id: f.t.webhook.id, status: "failed", event_type: "order.paid" },
    ],
    ["event_type, until", { event_type: "message.delivered", until: mid }],
    ["event_id outside the window", { event_id: event7.id, since: event7.created_at + 1 }],
    ["event_id and webhook_id", { event_id: event7.id, webhook_id: f.t.webhook.id }],
    ["an unknown event type", { event_type: "nothing.here" }],
    ["an unknown event id", { event_id: "evt_unknown" }],
  ];
}

export function listingSuites(name: string, open: OpenStore): void {
  describe(`${name} store: deliveries.list`, () => {
    const ctx = freshStorePerTest(open);

    test("every filter alone and combined, at every page size, matches the model in order", async () => {
      const f = await fill(ctx.store);
      for (const [label, filter] of filters(f)) {
        const expected = model(f.all, filter);
        for (const limit of [1, 2, 7, 100]) {
          const { ids } = await listAll(ctx.store, f.t.account.id, filter, limit);
          expect({ label, limit, ids }).toEqual({ label, limit, ids: expected });
        }
      }
    });

    test("newest event first, an event's deliveries in reverse order of creation (replays first)", async () => {
      const f = await fill(ctx.store);
      const page = await ctx.store.deliveries.list(f.t.account.id, {}, { limit: 100 });
      expect(page.next_cursor).toBeNull();
      expect(page.data.map((d) => d.id)).toEqual(model(f.all, {}));
      expect(page.data[0]?.event_id).toBe((f.events[23] as EventRecord).id);
      const old = (f.events[4] as EventRecord).id;
      const ofOld = page.data.filter((d) => d.event_id === old);
      expect(ofOld.map((d) => d.webhook_id)).toEqual([f.second, f.second, f.t.webhook.id]);
      expect(ofOld[0]?.created_at).toBe(T0 + 60_000);
      // The listed records are the stored ones.
      for (const d of page.data) expect(await ctx.store.deliveries.get(f.t.account.id, d.id)).toEqual(d);
    });

    test("since is inclusive and until exclusive, on the event's created_at", async () => {
      const f = await fill(ctx.store);
      const at = T0 + 3_000;
      const since = await ctx.store.deliveries.list(
        f.t.account.id,
        { since: at, until: at + 1 },
        { limit: 100 },
      );
      const atEvents = f.events.filter((e) => e.created_at === at).map((e) => e.id);
      expect(new Set(since.data.map((d) => d.event_id))).toEqual(new Set(atEvents));
      const until = await ctx.store.deliveries.list(f.t.account.id, { since: at, until: at }, { limit: 100 });
      expect(until.data).toEqual([]);
      const before = await ctx.store.deliveries.list(f.t.account.id, { until: at }, { limit: 100 });
      expect(
        before.data.every((d) => (f.events.find((e) => e.id === d.event_id)?.created_at ?? at) < at),
      ).toBe(true);
    });

    test("another account's deliveries are never listed, even by their event or webhook id", async () => {
      const f = await fill(ctx.store);
      const other = await tenant(ctx.store);
      const ev = event(other.account.id);
      const theirs = delivery(ev, other.webhook.id);
      await ctx.store.events.publish([{ event: ev, deliveries: [theirs] }]);
      const mine = f.t.account.id;
      expect((await ctx.store.deliveries.list(mine, { event_id: ev.id }, { limit: 100 })).data).toEqual([]);
      expect(
        (await ctx.store.deliveries.list(mine, { webhook_id: other.webhook.id }, { limit: 100 })).data,
      ).toEqual([]);
      const pending = { webhook_id: other.webhook.id, status: "pending" as const };
      expect((await ctx.store.deliveries.list(mine, pending, { limit: 100 })).data).toEqual([]);
      const all = await listAll(ctx.store, mine, {}, 100);
      expect(all.ids).not.toContain(theirs.id);
      expect((await ctx.store.deliveries.list(other.account.id, {}, { limit: 100 })).data).toEqual([theirs]);
      expect((await ctx.store.deliveries.list("acct_unknown", {}, { limit: 100 })).data).toEqual([]);
    });

    test("a malformed cursor, or one of another listing or account, is an InvalidCursorError", async () => {
      const f = await fill(ctx.store);
      const other = await tenant(ctx.store);
      const page = await ctx.store.deliveries.list(f.t.account.id, {}, { limit: 2 });
      const cursor = page.next_cursor ?? "";
      expect(cursor).not.toBe("");
      const events = await ctx.store.events.list(f.t.account.id, { limit: 1 });
      const forged = (position: unknown[]) =>
        Buffer.from(JSON.stringify(["dlv", f.t.account.id, ...position])).toString("base64url");
      const bad = [
        "not a cursor",
        "bm9wZQ",
        events.next_cursor ?? "",
        forged([T0, "evt_x", -1]),
        forged([T0, "evt_x", 1.5]),
        forged(["x", "evt_x", 1]),
        // Positions no listing writes: a time that is no whole millisecond or beyond any stored
        // one, a delivery index beyond any event's (none may reach the database as a failed cast).
        forged([T0 + 0.5, "evt_x", 1]),
        forged([1e300, "evt_x", 1]),
        forged([T0, "evt_x", 2 ** 31]),
      ];
      for (const c of bad) {
        await expect(ctx.store.deliveries.list(f.t.account.id, {}, { limit: 2, cursor: c })).rejects.toThrow(
          InvalidCursorError,
        );
      }
      await expect(ctx.store.deliveries.list(other.account.id, {}, { limit: 2, cursor })).rejects.toThrow(
        InvalidCursorError,
      );
    });

    test("a cursor keeps its place when deliveries are published or replayed between pages", async () => {
      const f = await fill(ctx.store);
      const first = await ctx.store.deliveries.list(f.t.account.id, {}, { limit: 5 });
      const newer = event(f.t.account.id, { created_at: T0 + 100_000 });
      await ctx.store.events.publish([{ event: newer, deliveries: [delivery(newer, f.t.webhook.id)] }]);
      const rest = await allPages((cursor) =>
        ctx.store.deliveries.list(
          f.t.account.id,
          {},
          { limit: 5, cursor: cursor ?? first.next_cursor ?? "" },
        ),
      );
      expect([...first.data, ...rest.flat()].map((d) => d.id)).toEqual(model(f.all, {}));
    });

    test("a webhook with more pending deliveries than the index path reads lists them all, in order", async () => {
      const t = await tenant(ctx.store);
      const other = webhook(t.account.id);
      await ctx.store.webhooks.create(other);
      const all: Listed[] = [];
      // 1,100 events, each pending to the tenant's webhook and finished to the other one.
      for (let batch = 0; batch < 11; batch++) {
        const items = Array.from({ length: 100 }, (_, i) => {
          const ev = event(t.account.id, { created_at: T0 + batch * 100 + i });
          const pending = delivery(ev, t.webhook.id);
          const done = delivery(ev, other.id, { status: "succeeded", next_attempt_at: null });
          all.push({ delivery: pending, event: ev, index: 0 }, { delivery: done, event: ev, index: 1 });
          return { event: ev, deliveries: [pending, done] };
        });
        await ctx.store.events.publish(items);
      }
      const filter: DeliveryFilter = { webhook_id: t.webhook.id, status: "pending" };
      const expected = model(all, filter);
      expect(expected).toHaveLength(1_100);
      expect((await listAll(ctx.store, t.account.id, filter, 100)).ids).toEqual(expected);
      const accountWide: DeliveryFilter = { status: "pending" };
      expect((await listAll(ctx.store, t.account.id, accountWide, 100)).ids).toEqual(expected);
      const windowed = { ...filter, since: T0 + 250, until: T0 + 1_050 };
      expect((await listAll(ctx.store, t.account.id, windowed, 37)).ids).toEqual(model(all, windowed));
    }, 60_000);

    test("a selective filter over a long history pages in bounded steps, without gaps", async () => {
      const t = await tenant(ctx.store);
      const rare = webhook(t.account.id);
      await ctx.store.webhooks.create(rare);
      const oldest = event(t.account.id, { created_at: T0 - 1 });
      const wanted = delivery(oldest, rare.id, { status: "failed", next_attempt_at: null });
      await ctx.store.events.publish([{ event: oldest, deliveries: [wanted] }]);
      // Enough events between it and the top that one page cannot reach it in either store.
      for (let batch = 0; batch < 5; batch++) {
        const items = Array.from({ length: 500 }, (_, i) => {
          const ev = event(t.account.id, { created_at: T0 + batch * 500 + i });
          return {
            event: ev,
            deliveries: [delivery(ev, t.webhook.id, { status: "succeeded", next_attempt_at: null })],
          };
        });
        await ctx.store.events.publish(items);
      }
      const { ids, pages } = await listAll(ctx.store, t.account.id, { webhook_id: rare.id }, 20);
      expect(ids).toEqual([wanted.id]);
      expect(pages.length).toBeGreaterThan(1);
    }, 120_000);
  });
}
