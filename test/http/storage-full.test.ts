// The HTTP face of a store that refuses writes. A full disk: a write refused by the store is a 507
// with a JSON body that says the store is full (not a generic 500), /health answers 200 with status
// "degraded" and why, /metrics shows the state and the refused commits, and all of it returns to
// normal once the store takes writes again. An unreachable database: whatever needed it (a write, a
// read, the key check before routing) is a 503 store_unavailable with Retry-After: 1, /health says
// "degraded" with its reason. The store here is the real LMDB one with its health and some methods
// made to fail on demand (a real full disk needs root: test/storage/storage-full.test.ts and the
// binary test; a real database outage: the PostgreSQL store's tests).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapAccess } from "../../src/domain/bootstrap";
import { eventCatalog } from "../../src/domain/event-catalog";
import type { HttpApp } from "../../src/http/http-app";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { type Store, StoreFullError, type StoreHealth, StoreUnavailableError } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { testApp, testConfig } from "./harness";

let dir = "";
let real: Store;
let full = false;
/** The database cannot be reached: writes and uncached reads fail. */
let down = false;
/** Even the key check's reads fail (nothing cached). */
let keysDown = false;
let refused = 0;
let app: HttpApp;
let key = "";

const unavailable = () => Promise.reject(new StoreUnavailableError(new Error("ECONNREFUSED")));

/** The real store, except that while `full` or `down` its health says so and its writes fail. */
function fillable(store: Store): Store {
  const events = new Proxy(store.events, {
    get(target, property, receiver) {
      if (property === "publish" && full) {
        return () => {
          refused++;
          return Promise.reject(new StoreFullError(new Error("No space left on device")));
        };
      }
      if ((property === "publish" || property === "list") && down) return unavailable;
      return Reflect.get(target, property, receiver);
    },
  });
  const meta = new Proxy(store.meta, {
    get(target, property, receiver) {
      if (property === "get" && keysDown) return unavailable;
      return Reflect.get(target, property, receiver);
    },
  });
  const health = (): StoreHealth => ({
    writable: !full && !down,
    reason: full ? "full" : down ? "unavailable" : null,
    since: full || down ? Date.UTC(2026, 0, 2) : undefined,
    refusedWrites: refused,
  });
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === "events") return events;
      if (property === "meta") return meta;
      if (property === "health") return health;
      return Reflect.get(target, property, receiver);
    },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "inbox-http-full-"));
  real = await openLmdbStore({ dataDir: dir, logger: silentLogger });
  const config = testConfig({ dataDir: dir });
  const boot = await bootstrapAccess(real, config, Date.now());
  key = boot.defaultAccount?.apiKey as string;
  const store = fillable(real);
  app = testApp(store, config);
});
afterAll(async () => {
  await real.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const res = await app.handle(
    new Request(`http://localhost${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await res.text();
  const type = res.headers.get("content-type");
  const json = type?.startsWith("application/json") && text ? JSON.parse(text) : undefined;
  return { status: res.status, type, text, json, headers: res.headers };
}

const publish = () =>
  call("POST", "/v1/events", { type: "message.read", data: eventCatalog.sample("message.read") });

describe("a full store over HTTP", () => {
  test("a publish refused for lack of space is a 507 storage_full with a JSON body", async () => {
    full = true;
    const res = await publish();
    expect(res.status).toBe(507);
    expect(res.type).toBe("application/json");
    expect(res.json.error.code).toBe("storage_full");
    expect(res.json.error.message).toMatch(/the store is full.*nothing of this request was stored/);
  });

  test("/health answers 200 with status degraded, the reason and the time it started", async () => {
    full = true;
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "degraded", reason: "storage_full", version: "9.9.9-test" });
    expect(res.json.message).toContain("since 2026-01-02T00:00:00.000Z");
    expect(typeof res.json.pending).toBe("number");
  });

  test("/metrics shows the state and counts the refused commits", async () => {
    full = true;
    const res = await call("GET", "/metrics");
    expect(res.text).toContain("# TYPE inbox_store_full gauge");
    expect(res.text).toMatch(/^inbox_store_full 1$/m);
    expect(res.text).toContain("# TYPE inbox_store_full_refused_commits_total counter");
    expect(res.text).toMatch(new RegExp(`^inbox_store_full_refused_commits_total ${refused}$`, "m"));
    expect(refused).toBeGreaterThan(0);
  });

  test("once writes are taken again: 202, health ok without reason, gauge 0", async () => {
    full = false;
    expect((await publish()).status).toBe(202);
    const health = await call("GET", "/health");
    expect(health.status).toBe(200);
    expect(health.json.status).toBe("ok");
    expect(health.json.reason).toBeUndefined();
    expect((await call("GET", "/metrics")).text).toMatch(/^inbox_store_full 0$/m);
  });
});

describe("an unreachable database over HTTP", () => {
  test("a publish it cannot store is a 503 store_unavailable with Retry-After: 1", async () => {
    down = true;
    const res = await publish();
    expect(res.status).toBe(503);
    expect(res.type).toBe("application/json");
    expect(res.headers.get("retry-after")).toBe("1");
    expect(res.json.error.code).toBe("store_unavailable");
    expect(res.json.error.message).toMatch(/the database cannot be reached.*retry shortly/);
  });

  test("a read it cannot answer is a 503 too, never a 500", async () => {
    down = true;
    const res = await call("GET", "/v1/events");
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe("store_unavailable");
    expect(res.headers.get("retry-after")).toBe("1");
  });

  test("a key that cannot be checked is a 503 before routing, not a 401 or a 500", async () => {
    keysDown = true;
    try {
      const res = await call("GET", "/v1/webhooks");
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe("store_unavailable");
      expect(res.headers.get("retry-after")).toBe("1");
    } finally {
      keysDown = false;
    }
  });

  test("/health answers 200 degraded with the reason; /metrics shows it", async () => {
    down = true;
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "degraded", reason: "store_unavailable" });
    expect(res.json.message).toContain("the database cannot be reached");
    expect(res.json.message).toContain("since 2026-01-02T00:00:00.000Z");
    expect((await call("GET", "/metrics")).text).toMatch(/^inbox_store_unavailable 1$/m);
  });

  test("once the database answers again: 202, health ok, gauge 0", async () => {
    down = false;
    expect((await publish()).status).toBe(202);
    const health = await call("GET", "/health");
    expect(health.json.status).toBe("ok");
    expect(health.json.reason).toBeUndefined();
    expect((await call("GET", "/metrics")).text).toMatch(/^inbox_store_unavailable 0$/m);
  });
});
