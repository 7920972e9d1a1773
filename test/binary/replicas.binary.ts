// Three compiled binaries as replicas on one PostgreSQL database, the way an operator scales out: they
// start together on an empty database (exactly one prints the first-start keys), thousands of events are
// published round-robin to them (a client that fails over to the next replica, as a load balancer does)
// while the receiver answers 503 to a share of first attempts, one replica is frozen, snapshotted and
// killed with SIGKILL mid-run and started again later. Then a replica is frozen (SIGSTOP) past its
// leases and resumed: its late outcomes are fenced out.
//
// What must hold: every accepted event is delivered; no delivery ever has two requests open at the
// receiver at once; per delivery, attempt numbers in arrival order strictly increase, except for the
// deliveries the killed replica held leases on (its attempts were never recorded, so the next holder
// makes the same attempt number again); the attempt log never records one attempt number twice.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import {
  api,
  eventually,
  makeSandbox,
  parseFirstStartKeys,
  type RunningServer,
  type Sandbox,
  startServer,
} from "./binary-harness";

const EVENTS = 3_000;
const PUBLISHERS = 24;
/** The lease lasts the timeout plus the margin past the due time: 3 s. */
const TIMEOUT = "2s";
const LEASE_MARGIN = "1s";
const LEASE_MS = 3_000;

interface DeliverySeen {
  /** Attempt numbers in arrival order. */
  attempts: number[];
  open: number;
  overlapped: boolean;
  succeeded: boolean;
}

/**
 * Records every request per X-Inbox-Delivery-Id: open requests (an overlap is a request arriving
 * while another for the same delivery is open) and attempt numbers. Answers 503 to a quarter of
 * first attempts and takes 300 ms for one answer in twenty, so that overlaps could be seen at all;
 * `slowMs` makes every answer slow (the freeze phase).
 */
function startReceiver() {
  const seen = new Map<string, DeliverySeen>();
  const state = { slowMs: 0, open: 0 };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 30,
    async fetch(req) {
      const id = req.headers.get("x-inbox-delivery-id") ?? "";
      const attempt = Number(req.headers.get("x-inbox-attempt"));
      const entry = seen.get(id) ?? { attempts: [], open: 0, overlapped: false, succeeded: false };
      seen.set(id, entry);
      if (entry.open > 0) entry.overlapped = true;
      entry.open++;
      state.open++;
      entry.attempts.push(attempt);
      try {
        await req.arrayBuffer();
        const h = hash(id);
        const wait = state.slowMs || (h % 20 === 1 ? 300 : 0);
        if (wait > 0) await Bun.sleep(wait);
        if (attempt === 1 && h % 4 === 0) return new Response("later", { status: 503 });
        entry.succeeded = true;
        return new Response("ok");
      } finally {
        entry.open--;
        state.open--;
      }
    },
  });
  return { seen, state, url: `http://127.0.0.1:${server.port}/hook`, stop: () => server.stop(true) };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

let sandbox: Sandbox;
let db: TestDatabase;
let sql: SQL;
let receiver: ReturnType<typeof startReceiver>;
const replicas = new Map<string, RunningServer>();
let firstStartStderr: string[] = [];
let apiKey = "";

function replicaEnv(id: string): Record<string, string> {
  return {
    INBOX_DATABASE_URL: db.url,
    INBOX_REPLICA_ID: id,
    INBOX_ALLOW_PRIVATE_TARGETS: "true",
    INBOX_RETRY_SCHEDULE: "0,200ms,500ms,1s,1s,1s",
    INBOX_TIMEOUT: TIMEOUT,
    INBOX_LEASE_MARGIN: LEASE_MARGIN,
    INBOX_SHUTDOWN_GRACE: "2s",
    // At least info: the harness waits for the "listening" line.
    INBOX_LOG_LEVEL: "info",
  };
}

async function startReplica(id: string): Promise<RunningServer> {
  const server = await startServer(sandbox, [], replicaEnv(id), 30_000);
  replicas.set(id, server);
  return server;
}

/** Replicas stopped with SIGSTOP: alive but answering nothing. */
const frozen = new Set<RunningServer>();

function live(): RunningServer[] {
  return [...replicas.values()].filter(
    (r) => r.proc.exitCode === null && r.proc.signalCode === null && !frozen.has(r),
  );
}

beforeAll(async () => {
  sandbox = makeSandbox();
  db = await testDatabase();
  sql = new SQL({ url: db.url, max: 2 });
  receiver = startReceiver();
  const started = await Promise.all(["r1", "r2", "r3"].map((id) => startReplica(id)));
  firstStartStderr = started.map((r) => r.stderr());
}, 60_000);

afterAll(async () => {
  for (const r of replicas.values()) {
    if (frozen.has(r)) r.proc.kill("SIGCONT");
    await r.stop("SIGKILL").catch(() => {});
  }
  receiver?.stop();
  await sql?.close();
  await db?.close();
  sandbox?.remove();
});

const PUBLISH_DATA = { to: "+15551234567", delivered_at: "2026-12-03T10:00:00Z", device_id: "dev_replicas" };

/** One publish: "ok" (202, or 200 replayed), "retry" (5xx or no answer). Throws on a 4xx. */
async function publishOnce(target: RunningServer, eventId: string): Promise<"ok" | "retry"> {
  let res: { status: number; body: unknown };
  try {
    res = await api(target, apiKey, "POST", "/v1/events", {
      id: eventId,
      type: "message.delivered",
      data: { message_id: eventId, ...PUBLISH_DATA },
    });
  } catch {
    return "retry"; // refused, reset or timed out: the replica is down
  }
  if (res.status === 202 || res.status === 200) return "ok";
  if (res.status >= 500) return "retry";
  throw new Error(`publish ${eventId}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Publishes one event to the replicas in turn from `start`, failing over like a load balancer. */
async function publish(eventId: string, start: number, only?: RunningServer): Promise<boolean> {
  for (let tries = 0; tries < 20; tries++) {
    const targets = only ? [only] : live();
    const target = targets[(start + tries) % Math.max(1, targets.length)];
    if (target && (await publishOnce(target, eventId)) === "ok") return true;
    await Bun.sleep(target ? 20 : 50);
  }
  return false;
}

/** Publishes `count` events with PUBLISHERS clients, to `only` or round-robin; `at(i)` runs before event i. */
async function publishAll(
  prefix: string,
  count: number,
  at: (i: number) => Promise<void>,
  only?: RunningServer,
): Promise<string[]> {
  const accepted: string[] = [];
  let next = 0;
  const client = async (n: number) => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      await at(i);
      const id = `${prefix}-${i}`;
      if (await publish(id, n + i, only)) accepted.push(id);
    }
  };
  await Promise.all(Array.from({ length: PUBLISHERS }, (_, n) => client(n)));
  return accepted;
}

async function deliveryIdsOf(eventIds: string[]): Promise<Map<string, string>> {
  const rows =
    (await sql`SELECT id, event_id FROM inbox.deliveries WHERE event_id = ANY(${sql.array(eventIds, "text")})`) as {
      id: string;
      event_id: string;
    }[];
  return new Map(rows.map((r) => [r.event_id, r.id]));
}

async function allDelivered(eventIds: string[], timeoutMs: number): Promise<Map<string, string>> {
  return eventually(async () => {
    const ids = await deliveryIdsOf(eventIds);
    if (ids.size < eventIds.length) return undefined;
    for (const deliveryId of ids.values()) if (!receiver.seen.get(deliveryId)?.succeeded) return undefined;
    return ids;
  }, timeoutMs);
}

async function metric(server: RunningServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

describe("three replicas on one PostgreSQL database", () => {
  test("first start on an empty database: exactly one replica prints the keys", () => {
    const printed = firstStartStderr.map(parseFirstStartKeys);
    expect(printed.filter((k) => k.adminKey !== undefined)).toHaveLength(1);
    const withAccount = printed.filter((k) => k.apiKey !== undefined);
    expect(withAccount).toHaveLength(1);
    apiKey = withAccount[0]?.apiKey ?? "";
  });

  let snapshot = new Set<string>();
  let accepted: string[] = [];

  test("thousands of events round-robin, 503s, a replica frozen, killed and restarted: every accepted event delivered", async () => {
    const [first] = live();
    const created = await api(first as RunningServer, apiKey, "POST", "/v1/webhooks", {
      url: receiver.url,
      events: ["*"],
    });
    expect(created.status).toBe(201);
    let killing: Promise<void> | undefined;
    let restarting: Promise<void> | undefined;
    accepted = await publishAll("evt", EVENTS, async (i) => {
      if (i === Math.floor(EVENTS / 3)) {
        killing ??= (async () => {
          const r2 = replicas.get("r2") as RunningServer;
          frozen.add(r2);
          r2.proc.kill("SIGSTOP");
          await Bun.sleep(300);
          const held = (await sql`SELECT id FROM inbox.deliveries WHERE lease_owner = 'r2'`) as {
            id: string;
          }[];
          snapshot = new Set(held.map((r) => r.id));
          r2.proc.kill("SIGKILL");
          await r2.stop("SIGKILL").catch(() => {});
          frozen.delete(r2);
        })();
      }
      if (i === Math.floor((2 * EVENTS) / 3)) {
        await killing;
        restarting ??= startReplica("r2").then(() => {});
      }
    });
    await restarting;
    expect(accepted.length).toBe(EVENTS);
    const ids = await allDelivered(accepted, 90_000);
    expect(ids.size).toBe(EVENTS);
    // The receiver may have answered an attempt whose outcome is not written yet: the killed
    // replica's never is, and its delivery is made again once that lease ends.
    const settled = await eventually(async () => {
      const rows = (await sql`SELECT status, count(*)::int AS n FROM inbox.deliveries GROUP BY status`) as {
        status: string;
        n: number;
      }[];
      return rows.length === 1 && rows[0]?.status === "succeeded" ? rows : undefined;
    }, 20_000);
    expect(settled).toEqual([{ status: "succeeded", n: EVENTS }]);
    console.log(`replicas: r2 held ${snapshot.size} leases when killed`);
  }, 180_000);

  test("no delivery ever had two requests open at once; attempt numbers increase, repeats only where r2 held the lease", () => {
    const overlaps = [...receiver.seen.entries()].filter(([, s]) => s.overlapped).map(([id]) => id);
    expect(overlaps).toEqual([]);
    const badOrder: string[] = [];
    const repeats: string[] = [];
    for (const [id, s] of receiver.seen) {
      for (let k = 1; k < s.attempts.length; k++) {
        const [before, after] = [s.attempts[k - 1] as number, s.attempts[k] as number];
        if (after < before) badOrder.push(id);
        if (after === before) repeats.push(id);
      }
    }
    expect(badOrder).toEqual([]);
    expect(repeats.filter((id) => !snapshot.has(id))).toEqual([]);
    console.log(`replicas: ${repeats.length} deliveries repeated an attempt after the kill`);
  });

  test("the attempt log never records one attempt of a delivery twice; no lease is left with the killed replica", async () => {
    const twice = await sql`SELECT delivery_id, attempt FROM inbox.attempts WHERE delivery_id IS NOT NULL
      GROUP BY delivery_id, attempt HAVING count(*) > 1`;
    expect(twice).toEqual([]);
    const stale =
      await sql`SELECT id FROM inbox.deliveries WHERE lease_owner IS NOT NULL AND status <> 'pending'`;
    expect(stale).toEqual([]);
  });

  test("a replica frozen past its leases and resumed: its late outcomes are fenced out, nothing recorded twice", async () => {
    const r1 = replicas.get("r1") as RunningServer;
    receiver.state.slowMs = 1_000;
    // Published to r1 alone, which leases their first attempts itself: the requests open at the
    // receiver when it freezes are r1's.
    const more = await publishAll("frz", 100, async () => {}, r1);
    expect(more.length).toBe(100);
    await eventually(() => (receiver.state.open >= 8 ? true : undefined), 20_000);
    frozen.add(r1);
    r1.proc.kill("SIGSTOP");
    await Bun.sleep(LEASE_MS + 2_500);
    receiver.state.slowMs = 0;
    r1.proc.kill("SIGCONT");
    frozen.delete(r1);
    await allDelivered(more, 60_000);
    // The frozen replica found out: an outcome written under a stale token, or a lease it saw end.
    await eventually(async () => {
      const noticed =
        (await metric(r1, "inbox_lease_fenced_writes_total")) + (await metric(r1, "inbox_lease_lost_total"));
      return noticed > 0 ? noticed : undefined;
    }, 10_000);
    const twice = await sql`SELECT delivery_id, attempt FROM inbox.attempts WHERE delivery_id IS NOT NULL
      GROUP BY delivery_id, attempt HAVING count(*) > 1`;
    expect(twice).toEqual([]);
    const overlaps = [...receiver.seen.values()].filter((s) => s.overlapped);
    expect(overlaps).toEqual([]);
  }, 120_000);
});
