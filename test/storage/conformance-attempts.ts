// Conformance: attempt logs, per delivery and per webhook with filters and pagination.

import { describe, expect, test } from "bun:test";
import type { AttemptFilter, AttemptRecord } from "../../src/storage/records";
import { InvalidCursorError } from "../../src/storage/store";
import { allPages, attempt, publishOne, record, T0, type Tenant, tenant } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

export function attemptSuites(name: string, open: OpenStore): void {
  describe(`${name} store: attempts`, () => {
    const ctx = freshStorePerTest(open);

    /** 30 attempts on the tenant's webhook over 3 events, alternating outcome, 1 s apart. */
    async function history(t: Tenant): Promise<AttemptRecord[]> {
      const made: AttemptRecord[] = [];
      const published = [
        await publishOne(ctx.store, t, { type: "message.delivered" }),
        await publishOne(ctx.store, t, { type: "message.read" }),
        await publishOne(ctx.store, t, { type: "message.read" }),
      ];
      for (let i = 0; i < 30; i++) {
        const p = published[i % 3];
        if (!p) throw new Error("unreachable");
        const outcome = i % 2 === 0 ? "failed" : "succeeded";
        const att = attempt(p.delivery, {
          started_at: T0 + i * 1000,
          outcome,
          attempt: Math.floor(i / 3) + 1,
        });
        await ctx.store.attempts.add(att);
        made.push(att);
      }
      return made;
    }

    const newestFirst = (list: AttemptRecord[]) => [...list].sort((a, b) => b.started_at - a.started_at);

    test("add stores a test attempt that belongs to no delivery", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const att = attempt(delivery, {
        delivery_id: null,
        test: true,
        outcome: "succeeded",
        status_code: 204,
      });
      await ctx.store.attempts.add(att);
      expect(
        (await ctx.store.attempts.listForWebhook(t.account.id, t.webhook.id, {}, { limit: 5 })).data,
      ).toEqual([att]);
      expect(await ctx.store.attempts.listForDelivery(delivery.id)).toEqual([]);
    });

    test("listForDelivery answers a delivery's attempts in the order they were made", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const first = attempt(delivery, { started_at: T0 + 1, attempt: 1 });
      const second = attempt(delivery, { started_at: T0 + 30_001, attempt: 2 });
      await record(ctx.store, first, { status: "pending", next_attempt_at: T0 + 30_001 });
      await record(ctx.store, second, { status: "failed" });
      expect(await ctx.store.attempts.listForDelivery(delivery.id)).toEqual([first, second]);
      expect(await ctx.store.attempts.listForDelivery("dlv_00000000000000000000000000")).toEqual([]);
    });

    test("listForWebhook pages newest first with no duplicates or gaps", async () => {
      const t = await tenant(ctx.store);
      const made = await history(t);
      const pages = await allPages((cursor) =>
        ctx.store.attempts.listForWebhook(t.account.id, t.webhook.id, {}, { limit: 7, cursor }),
      );
      expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 2]);
      expect(pages.flat()).toEqual(newestFirst(made));
    });

    const filters: Array<[string, (made: AttemptRecord[]) => AttemptFilter]> = [
      ["outcome", () => ({ outcome: "failed" })],
      ["event_type", () => ({ event_type: "message.read" })],
      ["event_id", (made) => ({ event_id: made[1]?.event_id ?? "" })],
      ["since (inclusive)", () => ({ since: T0 + 12_000 })],
      ["until (exclusive)", () => ({ until: T0 + 12_000 })],
      ["since and until", () => ({ since: T0 + 5_000, until: T0 + 25_000 })],
      [
        "all at once",
        (made) => ({
          outcome: "succeeded",
          event_id: made[1]?.event_id ?? "",
          since: T0 + 3_000,
          until: T0 + 28_000,
        }),
      ],
    ];
    for (const [label, make] of filters) {
      test(`listForWebhook filters by ${label}, across pages`, async () => {
        const t = await tenant(ctx.store);
        const made = await history(t);
        const filter = make(made);
        const expected = newestFirst(made).filter(
          (a) =>
            (filter.outcome === undefined || a.outcome === filter.outcome) &&
            (filter.event_type === undefined || a.event_type === filter.event_type) &&
            (filter.event_id === undefined || a.event_id === filter.event_id) &&
            (filter.since === undefined || a.started_at >= filter.since) &&
            (filter.until === undefined || a.started_at < filter.until),
        );
        expect(expected.length).toBeGreaterThan(0);
        expect(expected.length).toBeLessThan(made.length);
        const listed = (
          await allPages((cursor) =>
            ctx.store.attempts.listForWebhook(t.account.id, t.webhook.id, filter, { limit: 3, cursor }),
          )
        ).flat();
        expect(listed).toEqual(expected);
      });
    }

    test("listForWebhook sees only the account's own webhook; cursors are bound to it", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      await history(a);
      expect(
        (await ctx.store.attempts.listForWebhook(b.account.id, a.webhook.id, {}, { limit: 10 })).data,
      ).toEqual([]);
      expect(
        (await ctx.store.attempts.listForWebhook(a.account.id, b.webhook.id, {}, { limit: 10 })).data,
      ).toEqual([]);
      const cursor =
        (await ctx.store.attempts.listForWebhook(a.account.id, a.webhook.id, {}, { limit: 2 })).next_cursor ??
        "";
      expect(cursor).not.toBe("");
      expect(() =>
        ctx.store.attempts.listForWebhook(b.account.id, a.webhook.id, {}, { limit: 2, cursor }),
      ).toThrow(InvalidCursorError);
      expect(() =>
        ctx.store.attempts.listForWebhook(a.account.id, b.webhook.id, {}, { limit: 2, cursor }),
      ).toThrow(InvalidCursorError);
      await expect(ctx.store.events.list(a.account.id, { limit: 2, cursor })).rejects.toThrow(
        InvalidCursorError,
      );
      expect(() =>
        ctx.store.attempts.listForWebhook(
          a.account.id,
          a.webhook.id,
          {},
          { limit: 2, cursor: "not a cursor" },
        ),
      ).toThrow(InvalidCursorError);
      // Well formed but holding a time no listing writes (not a whole millisecond, beyond int8).
      for (const time of [0.5, 1e300]) {
        const forged = Buffer.from(
          JSON.stringify(["att", a.account.id, a.webhook.id, time, "att_x"]),
        ).toString("base64url");
        expect(() =>
          ctx.store.attempts.listForWebhook(a.account.id, a.webhook.id, {}, { limit: 2, cursor: forged }),
        ).toThrow(InvalidCursorError);
      }
    });
  });
}
