// Test harness for the HTTP API: a real LMDB store in a temp dir (or, with INBOX_TEST_STORE=postgres,
// a schema of its own in the PostgreSQL server named by INBOX_TEST_DATABASE_URL), the real app, and
// a fake DeliveryPort that records what the API asks of the engine. Requests go through app.handle.

import { expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../../src/config/config";
import { bootstrapAccess } from "../../src/domain/bootstrap";
import type { DeliveryPort, LeaseGrant } from "../../src/domain/delivery-port";
import { newId } from "../../src/domain/ids";
import { createOperations, type Operations } from "../../src/domain/operations";
import { createHttpApp, type HttpApp, type HttpDeps } from "../../src/http/http-app";
import { Metrics } from "../../src/observability/metrics";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import {
  dropPostgresSchema,
  openPostgresStore,
  refreshPostgresFigures,
} from "../../src/storage/postgres/pg-store";
import type { AttemptRecord, DueEntry, EventRecord, WebhookRecord } from "../../src/storage/records";
import type { Lease, PublishOptions, Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";

export const ADMIN_KEY = "ik_admin_test_key_0123456789abcdefghijklmnopqrstuvwxyz";

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: "127.0.0.1",
    dataDir: "unused",
    databaseUrl: undefined,
    databasePoolMax: 10,
    leaseMarginMs: 10_000,
    replicaId: "test-http",
    adminKey: ADMIN_KEY,
    retrySchedule: [0, 30_000, 120_000, 480_000, 1_920_000, 7_200_000],
    timeoutMs: 10_000,
    concurrency: 16,
    webhookConcurrency: 4,
    retentionMs: 30 * 86_400_000,
    bodyBytesMax: 256 * 1024,
    allowPrivateTargets: false,
    logLevel: "error",
    retryAfterMsMax: 3_600_000,
    shutdownGraceMs: 5_000,
    webhooksPerAccountMax: 100,
    deliveriesPerPublishMax: 10_000,
    dataDepthMax: 32,
    accountConcurrency: 16,
    disableAfterMs: 5 * 86_400_000,
    metricsWebhooksMax: 0,
    corsOrigins: undefined,
    publicUrl: undefined,
    portalFrameAncestors: undefined,
    sessionTtlMs: 12 * 3_600_000,
    sessionIdleMs: 3_600_000,
    ...overrides,
  };
}

/**
 * Records what the API hands the engine: the leases each publish took on its first attempts (as due
 * entries, with the events handed over with them), manual retries, leases given back; answers test
 * sends with a made-up successful attempt (and stores it). Its leases are never attempted.
 */
export class FakeDelivery implements DeliveryPort {
  readonly enqueued: DueEntry[][] = [];
  /** The events handed over with each enqueue call (same index as `enqueued`). */
  readonly announced: (readonly EventRecord[])[] = [];
  /** Every lease handed over, in order. */
  readonly leases: Lease[] = [];
  readonly retries: DueEntry[] = [];
  readonly givenBack: Lease[] = [];
  readonly tests: { webhook: WebhookRecord; event: EventRecord }[] = [];
  /** What publishes may lease; undefined leases nothing. */
  leaseTerms: PublishOptions["lease"] = { owner: "test-http", leaseMs: 60_000, max: 1_000_000 };
  constructor(private readonly store: () => Store) {}
  publishLease(): PublishOptions["lease"] {
    return this.leaseTerms;
  }
  enqueue(grant: LeaseGrant, events: readonly EventRecord[]): void {
    this.enqueued.push(
      grant.leases.map((l) => ({
        delivery_id: l.delivery.id,
        due: l.delivery.next_attempt_at ?? grant.askedAt,
      })),
    );
    this.announced.push(events);
    this.leases.push(...grant.leases);
  }
  giveBack(leases: readonly Lease[]): void {
    this.givenBack.push(...leases);
  }
  retried(deliveryId: string, due: number): void {
    this.retries.push({ delivery_id: deliveryId, due });
  }
  async sendTest(webhook: WebhookRecord, event: EventRecord): Promise<AttemptRecord> {
    this.tests.push({ webhook, event });
    const attempt: AttemptRecord = {
      id: newId("att"),
      account_id: webhook.account_id,
      webhook_id: webhook.id,
      delivery_id: null,
      event_id: event.id,
      event_type: event.type,
      attempt: 1,
      started_at: event.created_at,
      duration_ms: 12,
      outcome: "succeeded",
      status_code: 200,
      error_class: null,
      error_message: null,
      response_body: "OK",
      test: true,
    };
    await this.store().attempts.add(attempt);
    return attempt;
  }
  inFlight(): number {
    return 3;
  }
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  rawBody?: RequestInit["body"];
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  json: any;
  text: string;
}

export interface Harness {
  app: HttpApp;
  store: Store;
  delivery: FakeDelivery;
  metrics: Metrics;
  config: Config;
  /** The default account's key, made by bootstrap. */
  defaultKey: string;
  defaultAccountId: string;
  shuttingDown: { value: boolean };
  /** Brings the store's figures (pending, size) up to date: they are a snapshot on PostgreSQL. */
  settleFigures(): Promise<void>;
  call(method: string, path: string, opts?: CallOptions): Promise<CallResult>;
  /** A new account and its key, through the API. */
  newAccount(name?: string): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

let schemas = 0;

/**
 * The store the HTTP tests run on: LMDB in `dir`, or with INBOX_TEST_STORE=postgres a fresh schema
 * in the database INBOX_TEST_DATABASE_URL names (dropped by the returned cleanup). Also the store of
 * scripts/dashboard-page-cost.ts.
 */
export async function openHarnessStore(
  dir: string,
): Promise<{ store: Store; drop: () => Promise<void>; settle: () => Promise<void> }> {
  if (process.env.INBOX_TEST_STORE !== "postgres") {
    const store = await openLmdbStore({ dataDir: dir, logger: silentLogger });
    return { store, drop: async () => {}, settle: async () => {} };
  }
  const url = process.env.INBOX_TEST_DATABASE_URL;
  if (!url) throw new Error("INBOX_TEST_STORE=postgres needs INBOX_TEST_DATABASE_URL");
  const schema = `http_${process.pid}_${++schemas}`;
  const store = await openPostgresStore({
    url,
    schema,
    poolMax: 4,
    logger: silentLogger,
    replicaId: "test-http",
  });
  return { store, drop: () => dropPostgresSchema(url, schema), settle: () => refreshPostgresFigures(store) };
}

/**
 * The HTTP app over `store` as the tests run it: silent logs, fresh metrics, a FakeDelivery over the
 * same store, never shutting down; `deps` replaces any of these.
 */
export function testApp(store: Store, config: Config, deps: Partial<HttpDeps> = {}): HttpApp {
  return createHttpApp({
    store,
    config,
    logger: silentLogger,
    metrics: new Metrics(),
    delivery: new FakeDelivery(() => store),
    version: "9.9.9-test",
    isShuttingDown: () => false,
    ...deps,
  });
}

export async function createHarness(overrides: Partial<Config> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "inbox-http-"));
  const { store, drop, settle } = await openHarnessStore(dir);
  const config = testConfig({ dataDir: dir, ...overrides });
  const boot = await bootstrapAccess(store, config, Date.now());
  if (!boot.defaultAccount) throw new Error("bootstrap made no default account");
  const delivery = new FakeDelivery(() => store);
  const metrics = new Metrics();
  const shuttingDown = { value: false };
  const app = testApp(store, config, { metrics, delivery, isShuttingDown: () => shuttingDown.value });

  const call = async (method: string, path: string, opts: CallOptions = {}): Promise<CallResult> => {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? boot.defaultAccount?.apiKey : opts.key;
    if (key !== null && key !== undefined) headers.authorization = `Bearer ${key}`;
    let body: RequestInit["body"] | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await app.handle(new Request(`http://localhost${path}`, { method, headers, body }));
    const text = await res.text();
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  };

  return {
    app,
    store,
    delivery,
    metrics,
    config,
    defaultKey: boot.defaultAccount.apiKey,
    defaultAccountId: boot.defaultAccount.id,
    shuttingDown,
    settleFigures: settle,
    call,
    async newAccount(name = "acme") {
      const res = await call("POST", "/v1/accounts", { key: ADMIN_KEY, body: { name } });
      if (res.status !== 201) throw new Error(`account creation answered ${res.status}: ${res.text}`);
      return { id: res.json.id as string, key: res.json.api_key as string };
    },
    async close() {
      await store.close();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Operations the test holds, over the harness's store, connected as src/app.ts connects the engine's:
 * an app built with them publishes their operational events through the harness's FakeDelivery.
 */
export function connectedOperations(h: Harness): Operations {
  const operations = createOperations({
    store: h.store,
    logger: silentLogger,
    metrics: h.metrics,
    now: Date.now,
  });
  testApp(h.store, h.config, { operations, delivery: h.delivery });
  return operations;
}

/** The OpenAPI document the app serves (GET /swagger/json, no key needed), answered 200. */
// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is arbitrary JSON
export async function servedSpec(h: Pick<Harness, "call">): Promise<any> {
  const res = await h.call("GET", "/swagger/json", { key: null });
  expect(res.status).toBe(200);
  return res.json;
}

/** A webhook registration body that passes validation (public hostname, not resolved here). */
export function webhookBody(overrides: Record<string, unknown> = {}) {
  return {
    url: "https://hooks.example.com/inbox",
    events: ["message.delivered", "message.read"],
    description: "Production webhook endpoint",
    ...overrides,
  };
}

/** A body with no Content-Length (sent as Transfer-Encoding: chunked), `chunkSize` bytes a chunk. */
export function chunkedBody(data: string | Uint8Array, chunkSize: number): ReadableStream<Uint8Array> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}
