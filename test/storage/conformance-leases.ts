// Conformance: handing out due work (DueWork.lease, renew, release). A lease covers a pending
// delivery for a time measured by the store's clock, which the tests move (ctx.clock); what
// recording under a lease does (fencing, relet, cancellation) is in conformance-fencing.ts.

import { describe, expect, test } from "bun:test";
import type { DueEntry } from "../../src/storage/records";
import type { Lease, LeaseRequest } from "../../src/storage/store";
import { attempt, event, item, leaseRequest, OTHER, OWNER, refOf, T0, tenant } from "./fixtures";
import { freshStorePerTest, type OpenStore, type StoreContext } from "./store-context";

const byDue = (a: DueEntry, b: DueEntry) =>
  a.due - b.due || (a.delivery_id < b.delivery_id ? -1 : a.delivery_id > b.delivery_id ? 1 : 0);

/** Publishes one event per due time to one webhook; answers the entries in due order, then id. */
async function backlog(ctx: StoreContext, dues: number[]): Promise<DueEntry[]> {
  const t = await tenant(ctx.store);
  const items = dues.map((due) => item(event(t.account.id), [t.webhook.id], due));
  await ctx.store.events.publish(items);
  return items
    .flatMap((it) => it.deliveries)
    .map((d) => ({ delivery_id: d.id, due: d.next_attempt_at ?? 0 }));
}

const entriesOf = (leases: Lease[]): DueEntry[] =>
  leases.map((lease) => ({ delivery_id: lease.delivery.id, due: lease.delivery.next_attempt_at ?? 0 }));

export function leaseSuites(name: string, open: OpenStore): void {
  describe(`${name} store: leasing due work`, () => {
    const ctx = freshStorePerTest(open);
    /** Leases with `over`, answers the entries, and gives the leases back. */
    const peek = async (over: Partial<LeaseRequest> = {}) => {
      const leases = await ctx.store.work.lease(leaseRequest(over));
      await ctx.store.work.release(leaseRequest(over).owner, leases.map(refOf));
      return entriesOf(leases);
    };

    test("hands out pending deliveries in due order, then id, each with its record and a token", async () => {
      const sorted = (await backlog(ctx, [T0 + 50, T0 + 10, T0 + 30, T0 + 10, T0 + 40, T0 + 20])).sort(byDue);
      const leases = await ctx.store.work.lease(leaseRequest({ leaseMs: 1_000 }));
      expect(entriesOf(leases)).toEqual(sorted);
      for (const lease of leases) {
        expect(lease.delivery).toEqual((await ctx.store.deliveries.getById(lease.delivery.id)) ?? fail());
        expect(Number.isSafeInteger(lease.token)).toBe(true);
        // Counted from max(now, due): the clock stands at T0.
        expect(lease.expiresInMs).toBe((lease.delivery.next_attempt_at ?? 0) - T0 + 1_000);
      }
    });

    test("`until` is exclusive and `limit` bounds how many", async () => {
      const sorted = (await backlog(ctx, [T0 + 50, T0 + 10, T0 + 30, T0 + 10, T0 + 40, T0 + 20])).sort(byDue);
      expect(await peek({ until: T0 + 30 })).toEqual(sorted.filter((e) => e.due < T0 + 30));
      expect(await peek({ until: T0 + 10 })).toEqual([]);
      expect(await peek({ limit: 2 })).toEqual(sorted.slice(0, 2));
      expect(await peek({ limit: 0 })).toEqual([]);
    });

    test("`after` continues strictly after an entry, ties on due included", async () => {
      const sorted = (await backlog(ctx, [T0, T0, T0, T0 + 1, T0 + 2])).sort(byDue);
      const seen: DueEntry[] = [];
      let after: DueEntry | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = entriesOf(
          await ctx.store.work.lease(leaseRequest({ limit: 2, ...(after ? { after } : {}) })),
        );
        if (page.length === 0) break;
        seen.push(...page);
        after = page.at(-1);
      }
      expect(seen).toEqual(sorted);
    });

    test("an `after` entry no longer queued still bounds the page", async () => {
      const sorted = (await backlog(ctx, [T0, T0, T0, T0 + 1, T0 + 2])).sort(byDue);
      const gone = sorted[1] ?? fail();
      const [lease] = await ctx.store.work.lease(leaseRequest({ limit: 1, after: sorted[0] ?? fail() }));
      expect(lease?.delivery.id).toBe(gone.delivery_id);
      const result = await ctx.store.deliveries.recordAttempt(
        attempt(lease?.delivery ?? fail()),
        { status: "succeeded" },
        refOf(lease ?? fail()),
      );
      expect(result.kind).toBe("recorded");
      expect(await peek({ after: gone })).toEqual(sorted.slice(2));
    });

    test("a live lease is never handed out twice, to another replica or to the same", async () => {
      const entries = await backlog(ctx, [T0, T0 + 1, T0 + 2]);
      const [mine, theirs, again] = await Promise.all([
        ctx.store.work.lease(leaseRequest()),
        ctx.store.work.lease(leaseRequest({ owner: OTHER })),
        ctx.store.work.lease(leaseRequest()),
      ]);
      const handed = [...(mine ?? []), ...(theirs ?? []), ...(again ?? [])].map((l) => l.delivery.id);
      expect(handed.sort()).toEqual(entries.map((e) => e.delivery_id).sort());
      ctx.clock.advance(1_000); // the first lease (due T0) ends now; the others still run
      const later = await ctx.store.work.lease(leaseRequest({ owner: OTHER }));
      expect(entriesOf(later)).toEqual([entries[0] ?? fail()]);
    });

    test("an expired lease is handed out again with a higher token", async () => {
      const [entry] = await backlog(ctx, [T0]);
      const [first] = await ctx.store.work.lease(leaseRequest({ leaseMs: 1_000 }));
      ctx.clock.advance(999);
      expect(await ctx.store.work.lease(leaseRequest({ owner: OTHER }))).toEqual([]);
      ctx.clock.advance(1);
      const [second] = await ctx.store.work.lease(leaseRequest({ owner: OTHER, leaseMs: 500 }));
      expect(second?.delivery.id).toBe(entry?.delivery_id ?? fail());
      expect(second?.token).toBeGreaterThan(first?.token ?? Number.POSITIVE_INFINITY);
      expect(second?.expiresInMs).toBe(500);
    });

    test("release makes a delivery leasable at once; a stale or foreign release changes nothing", async () => {
      await backlog(ctx, [T0]);
      const [held] = await ctx.store.work.lease(leaseRequest());
      const ref = refOf(held ?? fail());
      await ctx.store.work.release(OTHER, [ref]);
      await ctx.store.work.release(OWNER, [{ ...ref, token: ref.token + 1 }]);
      await ctx.store.work.release(OWNER, [{ ...ref, delivery_id: "dlv_00000000000000000000000000" }]);
      expect(await ctx.store.work.lease(leaseRequest({ owner: OTHER }))).toEqual([]);
      await ctx.store.work.release(OWNER, [ref]);
      const [taken] = await ctx.store.work.lease(leaseRequest({ owner: OTHER }));
      expect(taken?.delivery.id).toBe(ref.delivery_id);
      expect(taken?.token).toBeGreaterThan(ref.token);
      await ctx.store.work.release(OWNER, []);
    });

    test("renew extends a lease still held, to leaseMs from now; a lost lease is not renewed", async () => {
      await backlog(ctx, [T0]);
      const [held] = await ctx.store.work.lease(leaseRequest({ leaseMs: 1_000 }));
      const ref = refOf(held ?? fail());
      ctx.clock.advance(900);
      const renewed = await ctx.store.work.renew(OWNER, ref, 1_000);
      expect(renewed).toEqual({ delivery: held?.delivery ?? fail(), token: ref.token, expiresInMs: 1_000 });
      ctx.clock.advance(900); // past the first lease's end, within the renewed one
      expect(await ctx.store.work.lease(leaseRequest({ owner: OTHER }))).toEqual([]);
      expect(await ctx.store.work.renew(OTHER, ref, 1_000)).toBeUndefined();
      expect(await ctx.store.work.renew(OWNER, { ...ref, token: ref.token + 1 }, 1_000)).toBeUndefined();
      ctx.clock.advance(100);
      const [taken] = await ctx.store.work.lease(leaseRequest({ owner: OTHER }));
      expect(taken?.token).toBeGreaterThan(ref.token);
      expect(await ctx.store.work.renew(OWNER, ref, 1_000)).toBeUndefined();
    });

    test("finished and cancelled deliveries are never leased", async () => {
      const t = await tenant(ctx.store);
      const other = await tenant(ctx.store);
      const [done, cancelled, kept] = [event(t.account.id), event(other.account.id), event(t.account.id)];
      const items = [
        item(done, [t.webhook.id], T0),
        item(cancelled, [other.webhook.id], T0 + 1),
        item(kept, [t.webhook.id], T0 + 2),
      ];
      await ctx.store.events.publish(items);
      const [first] = await ctx.store.work.lease(leaseRequest({ limit: 1 }));
      expect(first?.delivery.event_id).toBe(done.id);
      await ctx.store.deliveries.recordAttempt(
        attempt(first?.delivery ?? fail()),
        { status: "failed" },
        refOf(first ?? fail()),
      );
      await ctx.store.webhooks.update({ ...other.webhook, enabled: false, updated_at: T0 + 1 });
      expect((await peek()).map((e) => e.delivery_id)).toEqual([items[2]?.deliveries[0]?.id ?? fail()]);
    });
  });
}

function fail(): never {
  throw new Error("missing value");
}
