// POST /v1/accounts/{id}/portal-links (issue 12 item 3): admin key only, a one-time URL on the
// public origin whose token opens one portal session for the account, with a bounded lifetime.
// Runs on PostgreSQL too (INBOX_TEST_STORE=postgres).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SessionsService } from "../../src/domain/sessions-service";
import { ADMIN_KEY, createHarness, type Harness } from "./harness";

let h: Harness;
let hosted: Harness;
beforeAll(async () => {
  h = await createHarness();
  hosted = await createHarness({ publicUrl: "https://inbox.example.com" });
});
afterAll(async () => {
  await h?.close();
  await hosted?.close();
});

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

async function newAccount(harness: Harness): Promise<{ id: string; apiKey: string }> {
  const res = await harness.call("POST", "/v1/accounts", { key: ADMIN_KEY, body: { name: "Portal Co" } });
  expect(res.status).toBe(201);
  return { id: res.json.id, apiKey: res.json.api_key };
}

const create = (harness: Harness, accountId: string, body?: unknown, key = ADMIN_KEY) =>
  harness.call("POST", `/v1/accounts/${accountId}/portal-links`, { key, body });

const tokenOf = (url: string) => url.split("/dashboard/portal/")[1] ?? "";

/** The sessions service over the harness's store, as the dashboard's portal page uses it. */
const sessionsOf = (harness: Harness) =>
  new SessionsService({
    store: harness.store,
    now: Date.now,
    ttlMs: harness.config.sessionTtlMs,
    idleMs: harness.config.sessionIdleMs,
  });

describe("POST /v1/accounts/{id}/portal-links", () => {
  test("answers 201 with a one-time URL on the request's origin, expiring in 300 s by default", async () => {
    const account = await newAccount(h);
    const before = Date.now();
    const res = await create(h, account.id);
    expect(res.status).toBe(201);
    expect(res.json.account_id).toBe(account.id);
    expect(res.json.url).toMatch(/^http:\/\/localhost\/dashboard\/portal\/[A-Za-z0-9_-]{43}$/);
    const expiresAt = Date.parse(res.json.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1_000) * 1_000 + 299_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
    const sessions = sessionsOf(h);
    const opened = await sessions.openPortalLink(tokenOf(res.json.url));
    expect(opened?.session).toMatchObject({ kind: "account", account_id: account.id, origin: "portal" });
    expect(await sessions.openPortalLink(tokenOf(res.json.url))).toBeUndefined();
  });

  test("uses INBOX_PUBLIC_URL as the origin, and expires_in as the lifetime", async () => {
    const account = await newAccount(hosted);
    const res = await create(hosted, account.id, { expires_in: 30 });
    expect(res.status).toBe(201);
    expect(res.json.url).toMatch(/^https:\/\/inbox\.example\.com\/dashboard\/portal\//);
    expect(tokenOf(res.json.url)).toMatch(TOKEN);
    expect(Date.parse(res.json.expires_at)).toBeLessThanOrEqual(Date.now() + 30_000);
    expect(Date.parse(res.json.expires_at)).toBeGreaterThan(Date.now() + 25_000);
  });

  test("each link is a different token", async () => {
    const account = await newAccount(h);
    const urls = new Set<string>();
    for (let i = 0; i < 5; i++) urls.add((await create(h, account.id, { expires_in: 3_600 })).json.url);
    expect(urls.size).toBe(5);
  });

  test("an unknown account answers 404", async () => {
    const res = await create(h, "acct_01JH8Z3K9D7Q2W4E6R8T0Y1U3I");
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("not_found");
  });

  test("a bad expires_in, or an unknown field, answers 422 naming the field", async () => {
    const account = await newAccount(h);
    for (const expires_in of [29, 3_601, 0, -5, 30.5, "300", null, true]) {
      const res = await create(h, account.id, { expires_in });
      expect(res.status).toBe(422);
      expect(JSON.stringify(res.json.error.details)).toContain("/expires_in");
    }
    const unknown = await create(h, account.id, { expires_in: 60, account_id: "x" });
    expect(unknown.status).toBe(422);
  });

  test("a body that is not a JSON object (a string, an array, a number) answers 422, and no link is made", async () => {
    const account = await newAccount(h);
    for (const body of ["not a url", [1], 300]) {
      const res = await create(h, account.id, body);
      expect(res.status).toBe(422);
      expect(res.json.error.details[0].reason).toContain("must be a JSON object");
    }
  });

  test("an account key is refused with 403 insufficient_scope, and no key 401", async () => {
    const account = await newAccount(h);
    const res = await create(h, account.id, {}, account.apiKey);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("insufficient_scope");
    const anonymous = await h.call("POST", `/v1/accounts/${account.id}/portal-links`, { key: null });
    expect(anonymous.status).toBe(401);
  });
});
