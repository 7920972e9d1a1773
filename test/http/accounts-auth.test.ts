import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_KEY, createHarness, type Harness, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const UNAUTHORIZED = { error: { code: "unauthorized", message: "missing or invalid API key" } };

describe("authentication", () => {
  test("missing, malformed and wrong keys answer 401 with no detail", async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: "Bearer" },
      { authorization: "Basic dXNlcjpwYXNz" },
      { authorization: "Bearer ik_not_a_real_key" },
      { authorization: `Bearer ${ADMIN_KEY}x` },
    ];
    for (const headers of variants) {
      const res = await h.call("GET", "/v1/webhooks", { key: null, headers });
      expect(res.status).toBe(401);
      expect(res.json).toEqual(UNAUTHORIZED);
    }
  });

  test("401 comes before body parsing and validation", async () => {
    const res = await h.call("POST", "/v1/webhooks", {
      key: "wrong",
      rawBody: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(401);
  });

  test("every /v1 route requires a key, unknown /v1 paths too", async () => {
    for (const [method, path] of [
      ["GET", "/v1/event-types"],
      ["GET", "/v1/events"],
      ["GET", "/v1/deliveries/dlv_x"],
      ["GET", "/v1/accounts"],
      ["GET", "/v1/nothing-here"],
    ] as const) {
      expect((await h.call(method, path, { key: null })).status).toBe(401);
    }
  });

  test("the key check is awaited before routing: a revoked key is refused even when its look-up is slow, and nothing is written", async () => {
    const a = await h.newAccount("slow-lookup");
    const list = await h.call("GET", `/v1/accounts/${a.id}`, { key: ADMIN_KEY });
    const keyId = list.json.keys[0].id as string;
    expect((await h.call("DELETE", `/v1/accounts/${a.id}/keys/${keyId}`, { key: ADMIN_KEY })).status).toBe(
      204,
    );
    const find = h.store.apiKeys.findActiveByHash.bind(h.store.apiKeys);
    let lookups = 0;
    h.store.apiKeys.findActiveByHash = async (hash) => {
      lookups++;
      await Bun.sleep(50); // a database round trip
      return find(hash);
    };
    try {
      const res = await h.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody() });
      expect(res.status).toBe(401);
      expect(res.json).toEqual(UNAUTHORIZED);
      expect(lookups).toBe(1);
      // The handler never ran: the account has no webhook.
      const hooks = await h.call("GET", `/v1/webhooks?account_id=${a.id}`, { key: ADMIN_KEY });
      expect(hooks.status).toBe(200);
      expect(hooks.json.data).toEqual([]);
      // A valid key waits for the same slow look-up, then passes.
      expect((await h.call("GET", "/v1/webhooks")).status).toBe(200);
    } finally {
      h.store.apiKeys.findActiveByHash = find;
    }
  });

  test("the scheme name is case-insensitive", async () => {
    const res = await h.call("GET", "/v1/webhooks", {
      key: null,
      headers: { authorization: `bearer ${h.defaultKey}` },
    });
    expect(res.status).toBe(200);
  });
});

describe("accounts (admin)", () => {
  test("create, list, get, issue and revoke keys, delete", async () => {
    const created = await h.call("POST", "/v1/accounts", { key: ADMIN_KEY, body: { name: "Acme Corp" } });
    expect(created.status).toBe(201);
    expect(created.json.id).toMatch(/^acct_/);
    expect(created.json.name).toBe("Acme Corp");
    expect(created.json.api_key).toMatch(/^ik_/);
    expect(created.json.key_id).toMatch(/^key_/);
    const id = created.json.id;
    const firstKey = created.json.api_key;

    // The new key works and sees an empty account.
    const own = await h.call("GET", "/v1/webhooks", { key: firstKey });
    expect(own.status).toBe(200);
    expect(own.json.data).toEqual([]);

    const list = await h.call("GET", "/v1/accounts", { key: ADMIN_KEY });
    expect(list.status).toBe(200);
    const ids = list.json.data.map((a: { id: string }) => a.id);
    expect(ids).toContain(id);
    expect(ids).toContain(h.defaultAccountId);
    expect(ids[0]).toBe(id); // newest first

    const issued = await h.call("POST", `/v1/accounts/${id}/keys`, { key: ADMIN_KEY });
    expect(issued.status).toBe(201);
    expect(issued.json.api_key).toMatch(/^ik_/);
    expect(issued.json.api_key.startsWith(issued.json.prefix)).toBe(true);
    expect((await h.call("GET", "/v1/webhooks", { key: issued.json.api_key })).status).toBe(200);

    const got = await h.call("GET", `/v1/accounts/${id}`, { key: ADMIN_KEY });
    expect(got.status).toBe(200);
    expect(got.json.keys).toHaveLength(2);
    for (const k of got.json.keys)
      expect(Object.keys(k).sort()).toEqual([
        "created_at",
        "expires_at",
        "id",
        "last_used_at",
        "name",
        "prefix",
        "revoked_at",
        "scopes",
      ]);
    expect(got.text).not.toContain(firstKey);
    expect(got.text).not.toContain(issued.json.api_key);

    // Revocation takes effect at once.
    const revoke = await h.call("DELETE", `/v1/accounts/${id}/keys/${created.json.key_id}`, {
      key: ADMIN_KEY,
    });
    expect(revoke.status).toBe(204);
    const revokedUse = await h.call("GET", "/v1/webhooks", { key: firstKey });
    expect(revokedUse.status).toBe(401);
    expect(revokedUse.json).toEqual(UNAUTHORIZED);
    expect(
      (await h.call("DELETE", `/v1/accounts/${id}/keys/${created.json.key_id}`, { key: ADMIN_KEY })).status,
    ).toBe(404);
    const after = await h.call("GET", `/v1/accounts/${id}`, { key: ADMIN_KEY });
    expect(
      after.json.keys.find((k: { id: string }) => k.id === created.json.key_id).revoked_at,
    ).not.toBeNull();

    // Deleting the account removes its webhooks and keys.
    const hook = await h.call("POST", "/v1/webhooks", { key: issued.json.api_key, body: webhookBody() });
    expect(hook.status).toBe(201);
    expect((await h.call("DELETE", `/v1/accounts/${id}`, { key: ADMIN_KEY })).status).toBe(204);
    expect((await h.call("GET", `/v1/accounts/${id}`, { key: ADMIN_KEY })).status).toBe(404);
    expect((await h.call("GET", "/v1/webhooks", { key: issued.json.api_key })).status).toBe(401);
    expect((await h.call("DELETE", `/v1/accounts/${id}`, { key: ADMIN_KEY })).status).toBe(404);
  });

  test("account keys get 403 on every account route", async () => {
    for (const [method, path] of [
      ["POST", "/v1/accounts"],
      ["GET", "/v1/accounts"],
      ["GET", `/v1/accounts/${h.defaultAccountId}`],
      ["DELETE", `/v1/accounts/${h.defaultAccountId}`],
      ["GET", `/v1/accounts/${h.defaultAccountId}/keys`],
      ["POST", `/v1/accounts/${h.defaultAccountId}/keys`],
      ["DELETE", `/v1/accounts/${h.defaultAccountId}/keys/key_x`],
    ] as const) {
      const res = await h.call(method, path, { body: method === "POST" ? { name: "x" } : undefined });
      expect(res.status).toBe(403);
      expect(res.json.error).toMatchObject({
        code: "insufficient_scope",
        details: { required_scope: "admin" },
      });
    }
    // Still there.
    expect((await h.call("GET", "/v1/webhooks")).status).toBe(200);
  });

  test("validation and missing accounts", async () => {
    const empty = await h.call("POST", "/v1/accounts", { key: ADMIN_KEY, body: { name: "" } });
    expect(empty.status).toBe(422);
    expect(empty.json.error.details).toEqual([{ field: "/name", reason: "must not be empty" }]);
    const extra = await h.call("POST", "/v1/accounts", { key: ADMIN_KEY, body: { name: "a", plan: "gold" } });
    expect(extra.status).toBe(422);
    expect(extra.json.error.details).toEqual([{ field: "/plan", reason: "is not a known field" }]);
    expect((await h.call("POST", "/v1/accounts/acct_nope/keys", { key: ADMIN_KEY })).status).toBe(404);
    expect((await h.call("GET", "/v1/accounts/acct_nope", { key: ADMIN_KEY })).status).toBe(404);
  });
});

describe("tenancy isolation", () => {
  test("another account's webhook answers 404 on every route, exactly as a missing one", async () => {
    const a = await h.newAccount("tenant-a");
    const b = await h.newAccount("tenant-b");
    const hook = await h.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody() });
    const id = hook.json.id;
    const missing = "wh_01ZZZZZZZZZZZZZZZZZZZZZZZZ";
    for (const target of [id, missing]) {
      const responses = [
        await h.call("GET", `/v1/webhooks/${target}`, { key: b.key }),
        await h.call("PUT", `/v1/webhooks/${target}`, { key: b.key, body: { enabled: false } }),
        await h.call("DELETE", `/v1/webhooks/${target}`, { key: b.key }),
        await h.call("GET", `/v1/webhooks/${target}/logs`, { key: b.key }),
        await h.call("POST", "/v1/webhooks/test", {
          key: b.key,
          body: { webhook_id: target, event_type: "message.read" },
        }),
      ];
      for (const r of responses) {
        expect(r.status).toBe(404);
        expect(r.json.error.code).toBe("not_found");
      }
    }
    expect((await h.call("GET", "/v1/webhooks", { key: b.key })).json.data).toEqual([]);
    // Still intact for its owner.
    const own = await h.call("GET", `/v1/webhooks/${id}`, { key: a.key });
    expect(own.status).toBe(200);
    expect(own.json.enabled).toBe(true);
    // An account key cannot reach into another account with account_id.
    const reach = await h.call("GET", `/v1/webhooks?account_id=${a.id}`, { key: b.key });
    expect(reach.status).toBe(404);
    const reachBody = await h.call("POST", "/v1/webhooks", {
      key: b.key,
      body: webhookBody({ account_id: a.id }),
    });
    expect(reachBody.status).toBe(404);
  });
});
