// A data directory written by the last release that stored schema version 2 (made by
// test/fixtures/lmdb-schema-v2/make-fixture.ts with that release's binary) opens under the current
// schema, and the API answers exactly what that release answered about every record in it.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bootstrapAccess } from "../../src/domain/bootstrap";
import type { HttpApp } from "../../src/http/http-app";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { CURRENT_SCHEMA_VERSION } from "../../src/storage/lmdb/schema";
import type { Store } from "../../src/storage/store";
import { testApp, testConfig } from "../http/harness";
import { silentLogger } from "../support/silent-logger";

const FIXTURE = resolve(import.meta.dir, "../fixtures/lmdb-schema-v2");

interface Recorded {
  admin_key: string;
  revoked_key: string;
  pending: number;
  answers: Record<string, { status: number; body: unknown }>;
}

const recorded = JSON.parse(readFileSync(join(FIXTURE, "answers.json"), "utf8")) as Recorded;
const dataDir = mkdtempSync(join(tmpdir(), "inbox-v2-fixture-"));
let store: Store;
let app: HttpApp;

beforeAll(async () => {
  const untar = Bun.spawnSync(["tar", "-xzf", join(FIXTURE, "data.tar.gz"), "-C", dataDir]);
  if (untar.exitCode !== 0) throw new Error(`tar: ${untar.stderr.toString()}`);
  store = await openLmdbStore({ dataDir, logger: silentLogger });
  // As the release ran: deliveries to 127.0.0.1 allowed (else webhooks show destination_blocked).
  const config = testConfig({ dataDir, adminKey: recorded.admin_key, allowPrivateTargets: true });
  await bootstrapAccess(store, config, Date.now());
  app = testApp(store, config);
});

afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function get(path: string, key = recorded.admin_key): Promise<{ status: number; body: unknown }> {
  const res = await app.handle(
    new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${key}` } }),
  );
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : JSON.parse(text) };
}

test("the store is migrated to the current schema version, its pending retries still queued", async () => {
  expect(await store.meta.get("schema_version")).toBe(String(CURRENT_SCHEMA_VERSION));
  expect(store.figures().pendingDeliveries).toBe(recorded.pending);
  expect(recorded.pending).toBeGreaterThan(0);
});

/**
 * Fields later releases added to the answers, with the values a record stored by the schema 2
 * release must show for them (it knew nothing of them): issue 10 (webhook disabling) and issue 11
 * (named, scoped, expiring keys; webhook headers, rate limit and channels).
 */
const ADDED_FIELDS: Record<string, unknown[]> = {
  disabled_reason: [null, "manual"],
  disabled_at: [null],
  name: [null],
  scopes: [["publish", "manage"]],
  expires_at: [null],
  last_used_at: [null],
  // Issue 11 items 1-3: no custom headers, no rate limit, no channels.
  headers: [{}],
  rate_limit: [null],
  channels: [[]],
};

/**
 * `now` without the ADDED_FIELDS that `then` (the old answer at the same place) lacks, after
 * checking each holds a value an old record may show. Any other difference is left for toEqual.
 */
function withoutAddedFields(now: unknown, then: unknown, where: string): unknown {
  if (Array.isArray(now) && Array.isArray(then)) {
    return now.map((item, i) => withoutAddedFields(item, then[i], `${where}[${i}]`));
  }
  if (!isObject(now) || !isObject(then)) return now;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(now)) {
    // Issue 11 named a count attempt_count: it was `attempts` (a number), or it sits beside the
    // `attempts` list it counts.
    if (key === "attempt_count" && !(key in then)) {
      renamedCount(value, then, out, `${where}.${key}`);
      continue;
    }
    const allowed = ADDED_FIELDS[key];
    if (allowed && !(key in then)) {
      expect({ where: `${where}.${key}`, ok: allowed.some((a) => Bun.deepEquals(a, value)) }).toEqual({
        where: `${where}.${key}`,
        ok: true,
      });
      continue;
    }
    out[key] = withoutAddedFields(value, then[key], `${where}.${key}`);
  }
  return out;
}

/** An attempt_count where the old answer had `attempts`: the same number, or the length of its list. */
function renamedCount(
  value: unknown,
  then: Record<string, unknown>,
  out: Record<string, unknown>,
  where: string,
): void {
  const old = then.attempts;
  expect({ where, value }).toEqual({ where, value: Array.isArray(old) ? old.length : old });
  if (!Array.isArray(old)) out.attempts = value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

test("every record reads back exactly as the schema 2 release answered (plus the fields added since)", async () => {
  const paths = Object.keys(recorded.answers).filter((path) => path.startsWith("/"));
  expect(paths.length).toBeGreaterThan(40);
  for (const [path, answer] of Object.entries(recorded.answers)) {
    if (!path.startsWith("/")) continue;
    const now = await get(path);
    const body = withoutAddedFields(now.body, answer.body, path);
    expect({ path, status: now.status, body }).toEqual({ path, ...answer });
  }
});

test("the revoked key stays refused", async () => {
  const refused = recorded.answers["revoked key: GET /v1/webhooks"];
  expect(refused?.status).toBe(401);
  expect(await get("/v1/webhooks", recorded.revoked_key)).toEqual(
    refused as { status: number; body: unknown },
  );
});

test("the fixture covers what the migration must carry", () => {
  const bodies = JSON.stringify(recorded.answers);
  for (const needle of [
    '"status":"pending"',
    '"status":"cancelled"',
    '"status":"succeeded"',
    '"outcome":"failed"',
    "upstream exploded",
    '"test":true',
    "order-42:failed",
    "publisher.id_7",
  ]) {
    expect(bodies).toContain(needle);
  }
});
