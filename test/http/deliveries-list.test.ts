// GET /v1/deliveries through the API (filters, order, pages, errors, account scoping, replays) and
// the webhook log's `outcome` filter with its deprecated alias `status`. Runs on PostgreSQL too
// (INBOX_TEST_STORE=postgres).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import { newId } from "../../src/domain/ids";
import type { AttemptRecord, DeliveryRecord } from "../../src/storage/records";
import type { Lease } from "../../src/storage/store";
import { ADMIN_KEY, createHarness, type Harness, servedSpec, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

/** Leases taken by publishes (the fake engine never attempts), by delivery id. */
const held = new Map<string, Lease>();

/** A lease on the pending delivery: the one its publish took, or one taken now. */
async function leaseOf(id: string): Promise<Lease> {
  for (const lease of h.delivery.leases.splice(0)) held.set(lease.delivery.id, lease);
  if (!held.has(id)) {
    const owner = h.config.replicaId;
    const leases = await h.store.work.lease({ owner, until: Date.now() + 1, limit: 10_000, leaseMs: 60_000 });
    for (const l of leases) held.set(l.delivery.id, l);
  }
  const lease = held.get(id);
  if (!lease) throw new Error(`no lease on ${id}: it is not pending`);
  held.delete(id);
  return lease;
}

/** Records one final attempt on a pending delivery through the real store, as the engine would. */
async function finish(d: { id: string }, outcome: "succeeded" | "failed"): Promise<void> {
  const lease = await leaseOf(d.id);
  const delivery: DeliveryRecord = lease.delivery;
  const attempt: AttemptRecord = {
    id: newId("att"),
    account_id: delivery.account_id,
    webhook_id: delivery.webhook_id,
    delivery_id: delivery.id,
    event_id: delivery.event_id,
    event_type: delivery.event_type,
    attempt: delivery.attempts + 1,
    started_at: Date.now(),
    duration_ms: 30,
    outcome,
    status_code: outcome === "succeeded" ? 200 : 503,
    error_class: outcome === "succeeded" ? null : "http_status",
    error_message: outcome === "succeeded" ? null : "HTTP 503",
    response_body: null,
    test: false,
  };
  const update = outcome === "succeeded" ? { status: "succeeded" as const } : { status: "failed" as const };
  const result = await h.store.deliveries.recordAttempt(attempt, update, {
    delivery_id: delivery.id,
    token: lease.token,
  });
  if (result.kind !== "recorded") throw new Error(`attempt not recorded: ${result.kind}`);
}

interface Scene {
  key: string;
  accountId: string;
  all: string; // webhook subscribed to every type
  reads: string; // webhook subscribed to message.read only
  events: Array<{ id: string; type: string; deliveries: Array<{ id: string; webhook_id: string }> }>;
}

/** An account with two webhooks and five events (three delivered, two read), some finished. */
async function scene(name: string): Promise<Scene> {
  const a = await h.newAccount(name);
  const hook = (events: string[]) =>
    h.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody({ events }) });
  const all = (await hook(["*"])).json.id as string;
  const reads = (await hook(["message.read"])).json.id as string;
  const events: Scene["events"] = [];
  for (const type of [
    "message.delivered",
    "message.read",
    "message.delivered",
    "message.read",
    "message.delivered",
  ]) {
    const published = await h.call("POST", "/v1/events", {
      key: a.key,
      body: { type, data: eventCatalog.sample(type) },
    });
    expect(published.status).toBe(202);
    const got = await h.call("GET", `/v1/events/${published.json.id}`, { key: a.key });
    events.push({ id: published.json.id, type, deliveries: got.json.deliveries });
    await Bun.sleep(3); // distinct creation times
  }
  return { key: a.key, accountId: a.id, all, reads, events };
}

const list = (s: { key: string }, query = "") => h.call("GET", `/v1/deliveries${query}`, { key: s.key });

/** Every page of a listing, following next_cursor; fails on a page over the limit. */
async function pages(s: { key: string }, query: string, limit: number): Promise<string[][]> {
  const out: string[][] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const sep = query === "" ? "?" : "&";
    const path = `${query}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await list(s, path.startsWith("?") ? path : `?${path.replace(/^&/, "")}`);
    expect(res.status).toBe(200);
    expect(res.json.data.length).toBeLessThanOrEqual(limit);
    out.push(res.json.data.map((d: { id: string }) => d.id));
    cursor = res.json.next_cursor;
    if (cursor === null) return out;
  }
  throw new Error("listing did not end");
}

/** The deliveries in listing order: newest event first, an event's deliveries newest first. */
const expectedOrder = (
  s: Scene,
  keep: (d: { id: string; webhook_id: string }, type: string) => boolean = () => true,
) =>
  [...s.events]
    .reverse()
    .flatMap((e) => [...e.deliveries].reverse().filter((d) => keep(d, e.type)))
    .map((d) => d.id);

describe("GET /v1/deliveries", () => {
  let s: Scene;
  beforeAll(async () => {
    s = await scene("dlv-list");
    const [first, second] = s.events;
    await finish(first?.deliveries[0] as { id: string }, "succeeded");
    await finish(second?.deliveries[0] as { id: string }, "failed");
  });

  test("lists the account's deliveries newest event first, each as GET /v1/deliveries/{id} shows it", async () => {
    const res = await list(s, "?limit=100");
    expect(res.status).toBe(200);
    expect(res.json.next_cursor).toBeNull();
    expect(res.json.data.map((d: { id: string }) => d.id)).toEqual(expectedOrder(s));
    for (const d of res.json.data) {
      const one = await h.call("GET", `/v1/deliveries/${d.id}`, { key: s.key });
      // The same shape, but for the list: a count is attempt_count, a list is attempts.
      const { attempts: list, ...detail } = one.json;
      expect(d).toEqual(detail);
      expect(d.attempts).toBeUndefined();
      expect(d.attempt_count).toBe(list.length);
    }
  });

  test("each filter narrows, alone and combined", async () => {
    const ids = async (query: string) => (await pages(s, query, 100)).flat();
    expect(await ids(`?webhook_id=${s.reads}`)).toEqual(expectedOrder(s, (d) => d.webhook_id === s.reads));
    expect(await ids("?event_type=message.read")).toEqual(
      expectedOrder(s, (_, type) => type === "message.read"),
    );
    const third = s.events[2] as Scene["events"][number];
    expect(await ids(`?event_id=${third.id}`)).toEqual(third.deliveries.map((d) => d.id).reverse());
    const succeeded = s.events[0]?.deliveries[0]?.id as string;
    const failed = s.events[1]?.deliveries[0]?.id as string;
    expect(await ids("?status=succeeded")).toEqual([succeeded]);
    expect(await ids("?status=failed")).toEqual([failed]);
    expect(await ids("?status=cancelled")).toEqual([]);
    const pending = await ids("?status=pending");
    expect(pending).toEqual(expectedOrder(s).filter((id) => id !== succeeded && id !== failed));
    expect(await ids(`?webhook_id=${s.all}&status=pending&event_type=message.delivered`)).toEqual(
      expectedOrder(
        s,
        (d, type) => d.webhook_id === s.all && type === "message.delivered" && d.id !== succeeded,
      ),
    );
    expect(await ids(`?webhook_id=${s.all}&status=failed`)).toEqual([failed]);
  });

  test("since and until bound the event's creation time", async () => {
    const ids = async (query: string) => (await pages(s, query, 100)).flat();
    expect(await ids("?since=2999-01-01T00:00:00Z")).toEqual([]);
    expect(await ids("?until=2999-01-01T00:00:00Z")).toEqual(expectedOrder(s));
    expect(await ids("?until=2000-01-01T00:00:00Z")).toEqual([]);
    expect(await ids("?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z")).toEqual(expectedOrder(s));
    expect(await ids("?since=2025-01-15T10:00:00Z&until=2025-01-15T10:00:00Z")).toEqual([]);
  });

  test("pages follow next_cursor without gaps or repeats", async () => {
    for (const limit of [1, 2, 3]) {
      const got = await pages(s, "", limit);
      expect(got.flat()).toEqual(expectedOrder(s));
      expect(got.slice(0, -1).every((p) => p.length === limit)).toBe(true);
    }
    const filtered = await pages(s, `?webhook_id=${s.all}&status=pending`, 1);
    expect(filtered.flat()).toEqual((await pages(s, `?webhook_id=${s.all}&status=pending`, 100)).flat());
  });

  test("a replayed delivery lists with its event, before the event's original deliveries", async () => {
    const t = await scene("dlv-list-replay");
    const old = t.events[1];
    const replay = await h.call("POST", `/v1/events/${old?.id}/replay`, {
      key: t.key,
      body: { webhook_id: t.reads },
    });
    expect(replay.status).toBe(202);
    const [replayed] = replay.json.deliveries.map((d: { id: string }) => d.id);
    expect(typeof replayed).toBe("string");
    const ids = (await pages(t, `?event_id=${old?.id}`, 100)).flat();
    expect(ids).toEqual([replayed, ...(old?.deliveries.map((d) => d.id).reverse() ?? [])]);
    const all = (await pages(t, "", 100)).flat();
    expect(all.indexOf(replayed)).toBe(all.indexOf(old?.deliveries.at(-1)?.id as string) - 1);
  });

  test("another account's deliveries are never shown; the admin key lists an account's with account_id", async () => {
    const other = await scene("dlv-list-other");
    const mine = (await pages(s, "", 100)).flat();
    for (const e of other.events) for (const d of e.deliveries) expect(mine).not.toContain(d.id);
    const byEvent = await list(s, `?event_id=${other.events[0]?.id}`);
    expect(byEvent.json.data).toEqual([]);
    const admin = await h.call("GET", `/v1/deliveries?account_id=${other.accountId}&limit=100`, {
      key: ADMIN_KEY,
    });
    expect(admin.status).toBe(200);
    expect(admin.json.data.map((d: { id: string }) => d.id)).toEqual(expectedOrder(other));
    // Without account_id the admin key lists the operator's own deliveries: none of the account's.
    const operator = await h.call("GET", "/v1/deliveries?limit=100", { key: ADMIN_KEY });
    expect(operator.status).toBe(200);
    expect(operator.json.data).toEqual([]);
    expect((await h.call("GET", "/v1/deliveries", { key: null })).status).toBe(401);
  });

  test("a webhook_id the account does not have is 404, whether unknown or another account's", async () => {
    const other = await scene("dlv-list-foreign");
    for (const id of ["wh_unknown", other.all]) {
      const res = await list(s, `?webhook_id=${id}`);
      expect(res.status).toBe(404);
      expect(res.json.error).toEqual({ code: "not_found", message: "webhook not found" });
    }
  });

  test("bad filters are 422 naming the parameter; a foreign or malformed cursor is 400", async () => {
    const field = async (query: string) => {
      const res = await list(s, query);
      expect(res.status).toBe(422);
      return res.json.error.details.map((d: { field: string }) => d.field);
    };
    expect(await field("?status=done")).toEqual(["status"]);
    expect(await field("?since=yesterday")).toEqual(["since"]);
    expect(await field("?until=2025-13-01T00:00:00Z")).toEqual(["until"]);
    expect(await field("?limit=0")).toEqual(["limit"]);
    expect(await field("?limit=101")).toEqual(["limit"]);
    expect(await field("?limit=ten")).toEqual(["limit"]);
    expect(await field("?since=2025-01-16T00:00:00Z&until=2025-01-15T00:00:00Z")).toEqual(["since"]);
    const bad = await list(s, "?cursor=garbage");
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("invalid_cursor");
    const other = await scene("dlv-list-cursor");
    const theirs = (await list(other, "?limit=1")).json.next_cursor;
    const foreign = await list(s, `?cursor=${theirs}`);
    expect(foreign.status).toBe(400);
    expect(foreign.json.error.code).toBe("invalid_cursor");
  });
});

describe("GET /v1/webhooks/{id}/logs: outcome, and status as its deprecated alias", () => {
  test("outcome filters the attempts' outcome; status still does; both different is 422", async () => {
    const s = await scene("logs-outcome");
    await finish(s.events[0]?.deliveries[0] as { id: string }, "succeeded");
    await finish(s.events[2]?.deliveries[0] as { id: string }, "failed");
    const logs = (query: string) => h.call("GET", `/v1/webhooks/${s.all}/logs${query}`, { key: s.key });
    const outcomes = async (query: string) => {
      const res = await logs(query);
      expect(res.status).toBe(200);
      return res.json.data.map((a: { outcome: string }) => a.outcome);
    };
    expect(await outcomes("")).toEqual(["failed", "succeeded"]);
    expect(await outcomes("?outcome=failed")).toEqual(["failed"]);
    expect(await outcomes("?outcome=succeeded")).toEqual(["succeeded"]);
    expect(await outcomes("?status=failed")).toEqual(["failed"]);
    expect(await outcomes("?outcome=failed&status=failed")).toEqual(["failed"]);
    const both = await logs("?outcome=failed&status=succeeded");
    expect(both.status).toBe(422);
    expect(both.json.error.details.map((d: { field: string }) => d.field)).toEqual(["status"]);
    const bad = await logs("?outcome=pending");
    expect(bad.status).toBe(422);
    expect(bad.json.error.details.map((d: { field: string }) => d.field)).toEqual(["outcome"]);
  });
});

describe("OpenAPI", () => {
  test("GET /v1/deliveries is described with its filters, examples and errors; the log's status is deprecated", async () => {
    const spec = await servedSpec(h);
    const op = spec.paths["/v1/deliveries"].get;
    expect(op.summary).toBe("Find deliveries");
    const names = op.parameters.map((p: { name: string }) => p.name);
    for (const name of [
      "webhook_id",
      "status",
      "event_type",
      "event_id",
      "since",
      "until",
      "limit",
      "cursor",
    ]) {
      expect(names).toContain(name);
    }
    for (const status of ["200", "400", "401", "404", "422", "503"])
      expect(op.responses[status]).toBeDefined();
    const example = (status: string) => JSON.stringify(op.responses[status].content["application/json"]);
    expect(example("200")).toContain("dlv_");
    expect(example("400")).toContain("invalid_cursor");
    expect(example("404")).toContain("webhook not found");
    expect(example("422")).toContain("must not be after until");
    const logs = spec.paths["/v1/webhooks/{id}/logs"].get;
    const param = (name: string) => logs.parameters.find((p: { name: string }) => p.name === name);
    expect(param("outcome").deprecated).toBeUndefined();
    expect(param("status").deprecated).toBe(true);
    expect(param("status").description).toContain("outcome");
    expect(JSON.stringify(logs)).not.toContain("x-deprecated-query");
  });
});
