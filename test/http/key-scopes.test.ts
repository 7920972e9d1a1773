// Scoped, named, expiring API keys (issue 11 item 5) through the HTTP API: issuing and listing
// them (admin: /v1/accounts/{id}/keys; an account: /v1/keys), scope enforcement on every /v1 route
// of the served OpenAPI document, expiry, and last_used_at. Runs on PostgreSQL too
// (INBOX_TEST_STORE=postgres).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import { KeyUsage } from "../../src/domain/key-usage";
import type { HttpApp } from "../../src/http/http-app";
import { silentLogger } from "../support/silent-logger";
import { ADMIN_KEY, createHarness, type Harness, servedSpec, testApp } from "./harness";

const HOUR = 3_600_000;
const delivered = () => structuredClone(eventCatalog.get("message.delivered")?.example.data);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

interface Operation {
  "x-required-scope"?: string;
  description?: string;
  responses?: Record<string, unknown>;
}

/** Every operation under /v1 of an OpenAPI document. */
function v1Operations(spec: { paths: Record<string, Record<string, Operation>> }) {
  return Object.entries(spec.paths)
    .filter(([path]) => path.startsWith("/v1"))
    .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ method, path, op })));
}

async function issue(accountId: string, body?: unknown, key: string = ADMIN_KEY) {
  return h.call("POST", `/v1/accounts/${accountId}/keys`, { key, body });
}

async function keyWith(scopes: string[]): Promise<string> {
  const res = await issue(h.defaultAccountId, { scopes });
  expect(res.status).toBe(201);
  return res.json.api_key;
}

describe("issuing and listing keys (admin)", () => {
  test("a key with name, scopes and expiry is answered once with its record, and listed without the key", async () => {
    const expires = iso(Date.now() + 30 * 86_400_000);
    const res = await issue(h.defaultAccountId, {
      name: "billing-service",
      scopes: ["publish"],
      expires_at: expires,
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      name: "billing-service",
      scopes: ["publish"],
      expires_at: expires,
      last_used_at: null,
      revoked_at: null,
    });
    expect(res.json.api_key).toStartWith(res.json.prefix);
    const list = await h.call("GET", `/v1/accounts/${h.defaultAccountId}/keys`, { key: ADMIN_KEY });
    expect(list.status).toBe(200);
    const { api_key: _shown, ...record } = res.json;
    expect(list.json.data[0]).toEqual(record);
    expect(list.text).not.toContain(res.json.api_key);
    expect(list.text).not.toContain("hash");
  });

  test("defaults: both scopes, no name, no expiry; scopes come back in one order", async () => {
    const plain = await issue(h.defaultAccountId);
    expect(plain.status).toBe(201);
    expect(plain.json).toMatchObject({ name: null, scopes: ["publish", "manage"], expires_at: null });
    const reordered = await issue(h.defaultAccountId, { scopes: ["manage", "publish"] });
    expect(reordered.json.scopes).toEqual(["publish", "manage"]);
  });

  test("bad input answers 422 naming the field; unknown fields too", async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: "" }, "/name"],
      [{ name: "x".repeat(101) }, "/name"],
      [{ scopes: [] }, "/scopes"],
      [{ scopes: ["root"] }, "/scopes"],
      [{ scopes: ["publish", "publish"] }, "/scopes"],
      [{ expires_at: "tomorrow" }, "/expires_at"],
      [{ expires_at: "2001-01-01T00:00:00Z" }, "/expires_at"],
      [{ scope: ["publish"] }, "scope"],
    ];
    for (const [body, field] of cases) {
      const res = await issue(h.defaultAccountId, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(JSON.stringify(res.json.error.details), JSON.stringify(body)).toContain(field);
    }
    expect((await issue(h.defaultAccountId, ["publish"])).status).toBe(422);
    expect((await issue("acct_missing", {})).status).toBe(404);
    expect((await h.call("GET", "/v1/accounts/acct_missing/keys", { key: ADMIN_KEY })).status).toBe(404);
  });
});

describe("scopes", () => {
  test("a publish key publishes and reads the catalog; everything else answers 403 naming manage", async () => {
    const key = await keyWith(["publish"]);
    const published = await h.call("POST", "/v1/events", {
      key,
      body: { type: "message.delivered", data: delivered() },
    });
    expect(published.status).toBe(202);
    expect((await h.call("GET", "/v1/event-types", { key })).status).toBe(200);
    const refused = await h.call("GET", "/v1/webhooks", { key });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toEqual({
      code: "insufficient_scope",
      message: "this key lacks the manage scope",
      details: { required_scope: "manage" },
    });
    expect((await h.call("GET", `/v1/events/${published.json.id}`, { key })).status).toBe(403);
  });

  test("a manage key manages but cannot publish (403 naming publish)", async () => {
    const key = await keyWith(["manage"]);
    expect((await h.call("GET", "/v1/webhooks", { key })).status).toBe(200);
    const refused = await h.call("POST", "/v1/events", {
      key,
      body: { type: "message.delivered", data: delivered() },
    });
    expect(refused.status).toBe(403);
    expect(refused.json.error.details).toEqual({ required_scope: "publish" });
  });

  test("every /v1 operation of the served document declares its scope, and it is enforced", async () => {
    const spec = await servedSpec(h);
    const publishKey = await keyWith(["publish"]);
    const manageKey = await keyWith(["manage"]);
    const both = await keyWith(["publish", "manage"]);
    const refusedBy: Record<string, string[]> = { publish: [manageKey], manage: [publishKey], admin: [both] };
    const operations = v1Operations(spec);
    for (const { method, path, op } of operations) {
      const scope = op["x-required-scope"] ?? "none";
      expect(["publish", "manage", "admin"], `${method} ${path}`).toContain(scope);
      expect(op.description, `${method} ${path}`).toContain(scope === "admin" ? "admin key" : `\`${scope}\``);
      expect(op.responses?.["403"], `${method} ${path}`).toBeDefined();
      const url = path.replace(/\{[^}]+\}/g, "x");
      for (const key of refusedBy[scope] ?? []) {
        const res = await h.call(method.toUpperCase(), url, { key, body: method === "get" ? undefined : {} });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.json.error.details, `${method} ${path}`).toEqual({ required_scope: scope });
      }
    }
    expect(operations.length).toBeGreaterThan(25);
  });
});

describe("an account's own keys (/v1/keys)", () => {
  test("a manage key lists, issues and revokes its account's keys", async () => {
    const a = await h.newAccount("own-keys");
    const listed = await h.call("GET", "/v1/keys", { key: a.key });
    expect(listed.status).toBe(200);
    expect(listed.json.data).toHaveLength(1);
    const made = await h.call("POST", "/v1/keys", { key: a.key, body: { name: "ci", scopes: ["publish"] } });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ name: "ci", scopes: ["publish"], expires_at: null });
    expect(
      (
        await h.call("POST", "/v1/events", {
          key: made.json.api_key,
          body: { type: "message.delivered", data: delivered() },
        })
      ).status,
    ).toBe(202);
    expect(
      (await h.call("GET", "/v1/keys", { key: a.key })).json.data.map((k: { id: string }) => k.id),
    ).toContain(made.json.id);
    // Another account's key id answers 404, as a missing one.
    const other = await issue(h.defaultAccountId);
    expect((await h.call("DELETE", `/v1/keys/${other.json.id}`, { key: a.key })).status).toBe(404);
    expect((await h.call("DELETE", `/v1/keys/${made.json.id}`, { key: a.key })).status).toBe(204);
    expect((await h.call("GET", "/v1/event-types", { key: made.json.api_key })).status).toBe(401);
    expect((await h.call("DELETE", `/v1/keys/${made.json.id}`, { key: a.key })).status).toBe(404);
  });

  test("a key never issues a key with more scopes than itself; its scopes are the default", async () => {
    const a = await h.newAccount("narrow");
    const manageOnly = (await issue(a.id, { scopes: ["manage"] })).json.api_key;
    const wider = await h.call("POST", "/v1/keys", {
      key: manageOnly,
      body: { scopes: ["publish", "manage"] },
    });
    expect(wider.status).toBe(422);
    expect(wider.json.error.details).toEqual([{ field: "/scopes", reason: "this key lacks publish" }]);
    const defaulted = await h.call("POST", "/v1/keys", { key: manageOnly });
    expect(defaulted.status).toBe(201);
    expect(defaulted.json.scopes).toEqual(["manage"]);
    const publishOnly = (await issue(a.id, { scopes: ["publish"] })).json.api_key;
    expect((await h.call("POST", "/v1/keys", { key: publishOnly, body: {} })).status).toBe(403);
  });

  test("a key with an expiry issues none that outlives it; its expiry is the default", async () => {
    const a = await h.newAccount("expiring");
    const until = iso(Date.now() + 10 * HOUR);
    const limited = (await issue(a.id, { expires_at: until })).json.api_key;
    const later = await h.call("POST", "/v1/keys", {
      key: limited,
      body: { expires_at: iso(Date.now() + 20 * HOUR) },
    });
    expect(later.status).toBe(422);
    expect(later.json.error.details[0].field).toBe("/expires_at");
    const defaulted = await h.call("POST", "/v1/keys", { key: limited, body: { name: "short" } });
    expect(defaulted.status).toBe(201);
    expect(defaulted.json.expires_at).toBe(until);
    const sooner = iso(Date.now() + HOUR);
    const earlier = await h.call("POST", "/v1/keys", { key: limited, body: { expires_at: sooner } });
    expect(earlier.json.expires_at).toBe(sooner);
  });

  test("the admin key names the account in account_id", async () => {
    const a = await h.newAccount("admin-acts");
    const missing = await h.call("GET", "/v1/keys", { key: ADMIN_KEY });
    expect(missing.status).toBe(422);
    expect(missing.json.error.details[0].field).toBe("account_id");
    const listed = await h.call("GET", `/v1/keys?account_id=${a.id}`, { key: ADMIN_KEY });
    expect(listed.status).toBe(200);
    expect(listed.json.data).toHaveLength(1);
  });
});

describe("expiry and last use (the app's clock in the test's hand)", () => {
  let clock = Date.now();
  let usage: KeyUsage;
  let app: HttpApp;
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await app.handle(
      new Request(`http://localhost${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
  };
  beforeAll(() => {
    usage = new KeyUsage({ store: h.store, now: () => clock, logger: silentLogger });
    app = testApp(h.store, h.config, { now: () => clock, keyUsage: usage });
  });

  test("an expired key answers 401 like any bad key, also when its look-up is cached", async () => {
    const a = await h.newAccount("expiry");
    const made = await call("POST", `/v1/accounts/${a.id}/keys`, ADMIN_KEY, {
      expires_at: iso(clock + HOUR),
    });
    expect(made.status).toBe(201);
    expect((await call("GET", "/v1/webhooks", made.json.api_key)).status).toBe(200);
    clock += HOUR;
    const expired = await call("GET", "/v1/webhooks", made.json.api_key);
    const unknown = await call("GET", "/v1/webhooks", "ik_not_a_key");
    expect(expired).toEqual({ status: 401, json: unknown.json });
    // Still listed, with its expiry.
    const listed = await call("GET", `/v1/accounts/${a.id}/keys`, ADMIN_KEY);
    expect(listed.json.data[0].expires_at).toBe(made.json.expires_at);
  });

  test("last_used_at shows at once, is written by the flush, never per request", async () => {
    const a = await h.newAccount("usage");
    const first = (await call("GET", `/v1/accounts/${a.id}/keys`, ADMIN_KEY)).json.data[0];
    expect(first.last_used_at).toBeNull();
    const usedAt = clock;
    expect((await call("GET", "/v1/webhooks", a.key)).status).toBe(200);
    const stored = async () => (await h.store.apiKeys.listForAccount(a.id))[0]?.last_used_at;
    expect(await stored()).toBeNull();
    const shown = (await call("GET", `/v1/accounts/${a.id}/keys`, ADMIN_KEY)).json.data[0];
    expect(shown.last_used_at).toBe(iso(usedAt));
    await usage.flush();
    expect(await stored()).toBe(usedAt);
    clock += 61_000;
    expect((await call("GET", "/v1/keys", a.key)).json.data[0].last_used_at).toBe(iso(clock));
    await usage.flush();
    expect(await stored()).toBe(clock);
  });
});
