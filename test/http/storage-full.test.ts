// The HTTP face of a full disk: a write refused by the store is a 507 with a JSON body that says the
// store is full (not a generic 500), /health answers 200 with status "degraded" and why, /metrics
// shows the state and the refused commits, and all of it returns to normal once the store takes
// writes again. The store here is the real LMDB one with its space state and publish made full on
// demand (a real full disk needs root: test/storage/storage-full.test.ts and the binary test).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapAccess } from "../../src/domain/bootstrap";
import { eventCatalog } from "../../src/domain/event-catalog";
import { createHttpApp } from "../../src/http/http-app";
import { Metrics } from "../../src/observability/metrics";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { type Store, StoreFullError, type StoreSpace } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { FakeDelivery, testConfig } from "./harness";

let dir = "";
let real: Store;
let full = false;
let refused = 0;
let app: ReturnType<typeof createHttpApp>;
let key = "";

/** The real store, except that while `full` its space reads full and a publish is refused. */
function fillable(store: Store): Store {
  const events = new Proxy(store.events, {
    get(target, property, receiver) {
      if (property === "publish" && full) {
        return () => {
          refused++;
          return Promise.reject(new StoreFullError(new Error("No space left on device")));
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === "events") return events;
      if (property === "space") {
        return (): StoreSpace => ({
          full,
          fullSince: full ? Date.UTC(2026, 0, 2) : undefined,
          refusedWrites: refused,
        });
      }
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
  app = createHttpApp({
    store,
    config,
    logger: silentLogger,
    metrics: new Metrics(),
    delivery: new FakeDelivery(() => store),
    version: "9.9.9-test",
    isShuttingDown: () => false,
  });
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
  return { status: res.status, type, text, json };
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
