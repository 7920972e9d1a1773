import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_KEY, createHarness, type Harness, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe("webhooks CRUD", () => {
  test("create answers 201 with the secret; get and list never show it", async () => {
    const created = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    expect(created.status).toBe(201);
    expect(created.json.id).toMatch(/^wh_/);
    expect(created.json.secret).toMatch(/^whsec_/);
    expect(created.json).toMatchObject({
      url: "https://hooks.example.com/inbox",
      events: ["message.delivered", "message.read"],
      description: "Production webhook endpoint",
      enabled: true,
      destination_blocked: null,
    });
    expect(created.json.created_at).toMatch(RFC3339_SECONDS);
    expect(created.json.updated_at).toMatch(RFC3339_SECONDS);

    const got = await h.call("GET", `/v1/webhooks/${created.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json.secret).toBeUndefined();
    expect(Object.keys(got.json).sort()).toEqual(
      [
        "channels",
        "created_at",
        "description",
        "destination_blocked",
        "disabled_at",
        "disabled_reason",
        "enabled",
        "events",
        "headers",
        "id",
        "rate_limit",
        "updated_at",
        "url",
      ].sort(),
    );

    const list = await h.call("GET", "/v1/webhooks");
    expect(list.status).toBe(200);
    expect(list.json.data.some((w: { id: string }) => w.id === created.json.id)).toBe(true);
    expect(list.text).not.toContain("whsec_");
  });

  test("description is optional and null when absent", async () => {
    const res = await h.call("POST", "/v1/webhooks", {
      body: { url: "http://example.org/h", events: ["*"] },
    });
    expect(res.status).toBe(201);
    expect(res.json.description).toBeNull();
    expect(res.json.events).toEqual(["*"]);
  });

  test("list paginates newest first with limit and cursor", async () => {
    const { key } = await h.newAccount("paging");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await h.call("POST", "/v1/webhooks", { key, body: webhookBody({ description: `n${i}` }) });
      ids.push(r.json.id);
    }
    const first = await h.call("GET", "/v1/webhooks?limit=2", { key });
    expect(first.status).toBe(200);
    expect(first.json.data.map((w: { id: string }) => w.id)).toEqual([ids[4], ids[3]]);
    expect(typeof first.json.next_cursor).toBe("string");
    const second = await h.call(
      "GET",
      `/v1/webhooks?limit=2&cursor=${encodeURIComponent(first.json.next_cursor)}`,
      {
        key,
      },
    );
    expect(second.json.data.map((w: { id: string }) => w.id)).toEqual([ids[2], ids[1]]);
    const third = await h.call(
      "GET",
      `/v1/webhooks?limit=2&cursor=${encodeURIComponent(second.json.next_cursor)}`,
      {
        key,
      },
    );
    expect(third.json.data.map((w: { id: string }) => w.id)).toEqual([ids[0]]);
    expect(third.json.next_cursor).toBeNull();
    const all = await h.call("GET", "/v1/webhooks", { key });
    expect(all.json.data).toHaveLength(5);
  });

  test("put updates given fields only; disabling works; updated_at moves", async () => {
    const created = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    const id = created.json.id;
    const put = await h.call("PUT", `/v1/webhooks/${id}`, { body: { enabled: false, description: null } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ id, enabled: false, description: null, url: created.json.url });
    const put2 = await h.call("PUT", `/v1/webhooks/${id}`, {
      body: { url: "https://other.example.com/x", events: ["message.action"] },
    });
    expect(put2.status).toBe(200);
    expect(put2.json).toMatchObject({
      url: "https://other.example.com/x",
      events: ["message.action"],
      enabled: false,
    });
    const got = await h.call("GET", `/v1/webhooks/${id}`);
    expect(got.json).toEqual(put2.json);
  });

  test("patch changes only the fields given, validated as put; the key needs manage", async () => {
    const created = await h.call("POST", "/v1/webhooks", { body: webhookBody({ description: "kept" }) });
    const id = created.json.id;
    const patched = await h.call("PATCH", `/v1/webhooks/${id}`, { body: { rate_limit: 5 } });
    expect(patched.status).toBe(200);
    const { updated_at: _before, secret: _secret, ...unchanged } = created.json;
    const { updated_at: _after, ...rest } = patched.json;
    expect(rest).toEqual({ ...unchanged, rate_limit: 5 });
    expect(
      (await h.call("PATCH", `/v1/webhooks/${id}`, { body: { enabled: false } })).json.disabled_reason,
    ).toBe("manual");

    const bad = await h.call("PATCH", `/v1/webhooks/${id}`, { body: { url: "ftp://x.example.com" } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0].field).toBe("/url");
    const empty = await h.call("PATCH", `/v1/webhooks/${id}`, { body: {} });
    expect(empty.status).toBe(422);
    const unknown = await h.call("PATCH", `/v1/webhooks/${id}`, { body: { secret: "x" } });
    expect(unknown.status).toBe(422);
    expect((await h.call("PATCH", "/v1/webhooks/wh_missing", { body: { rate_limit: 5 } })).status).toBe(404);
    expect((await h.call("GET", `/v1/webhooks/${id}`)).json).toMatchObject({
      url: unchanged.url,
      events: unchanged.events,
      description: "kept",
      rate_limit: 5,
      enabled: false,
    });

    const a = await h.newAccount("patch-scope");
    const readOnly = await h.call("POST", "/v1/keys", {
      key: a.key,
      body: { name: "p", scopes: ["publish"] },
    });
    const mine = await h.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody() });
    const refused = await h.call("PATCH", `/v1/webhooks/${mine.json.id}`, {
      key: readOnly.json.api_key,
      body: { rate_limit: 5 },
    });
    expect(refused.status).toBe(403);
  });

  test("delete answers 204, then 404", async () => {
    const created = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    const del = await h.call("DELETE", `/v1/webhooks/${created.json.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe("");
    expect((await h.call("GET", `/v1/webhooks/${created.json.id}`)).status).toBe(404);
    expect((await h.call("DELETE", `/v1/webhooks/${created.json.id}`)).status).toBe(404);
  });

  test("admin acts for an account through account_id; without it, on the operator's webhooks", async () => {
    const { id: accountId, key } = await h.newAccount("admin-scope");
    const created = await h.call("POST", "/v1/webhooks", {
      key: ADMIN_KEY,
      body: webhookBody({ account_id: accountId }),
    });
    expect(created.status).toBe(201);
    const seen = await h.call("GET", `/v1/webhooks/${created.json.id}`, { key });
    expect(seen.status).toBe(200);
    const adminGet = await h.call("GET", `/v1/webhooks/${created.json.id}?account_id=${accountId}`, {
      key: ADMIN_KEY,
    });
    expect(adminGet.status).toBe(200);

    // Without account_id the admin key registers the operator's own webhooks, which take only the
    // operational types (test/http/operator-webhooks.test.ts).
    const operator = await h.call("POST", "/v1/webhooks", { key: ADMIN_KEY, body: webhookBody() });
    expect(operator.status).toBe(422);
    expect(operator.json.error.details[0].field).toBe("/events/0");
    const operatorList = await h.call("GET", "/v1/webhooks", { key: ADMIN_KEY });
    expect(operatorList.status).toBe(200);
    expect(operatorList.json.data).toEqual([]);
    const operatorGet = await h.call("GET", `/v1/webhooks/${created.json.id}`, { key: ADMIN_KEY });
    expect(operatorGet.status).toBe(404);
    const unknown = await h.call("GET", "/v1/webhooks?account_id=acct_nope", { key: ADMIN_KEY });
    expect(unknown.status).toBe(404);
  });
});

describe("webhook validation", () => {
  const invalid = async (body: unknown) => {
    const res = await h.call("POST", "/v1/webhooks", { body });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe("validation_failed");
    return res.json.error.details as { field: string; reason: string }[];
  };

  test("missing fields are named", async () => {
    const details = await invalid({});
    expect(details).toContainEqual({ field: "/url", reason: "is required" });
    expect(details).toContainEqual({ field: "/events", reason: "is required" });
  });

  test("wrong types are named", async () => {
    const details = await invalid({ url: 42, events: "message.read" });
    expect(details).toContainEqual({ field: "/url", reason: "must be a string" });
    expect(details).toContainEqual({ field: "/events", reason: "must be an array" });
  });

  test("unknown fields are refused", async () => {
    const details = await invalid(webhookBody({ secret: "whsec_mine" }));
    expect(details).toEqual([{ field: "/secret", reason: "is not a known field" }]);
  });

  test("bad URLs: scheme, syntax, credentials, length", async () => {
    expect(await invalid(webhookBody({ url: "ftp://example.com/x" }))).toEqual([
      { field: "/url", reason: "must use the http or https scheme" },
    ]);
    expect((await invalid(webhookBody({ url: "not a url" })))[0]?.field).toBe("/url");
    expect(await invalid(webhookBody({ url: "https://user:pass@example.com/x" }))).toEqual([
      { field: "/url", reason: "must not contain credentials (user:password@)" },
    ]);
    expect(await invalid(webhookBody({ url: " https://example.com/x" }))).toEqual([
      { field: "/url", reason: "must not have leading or trailing whitespace" },
    ]);
    const long = `https://example.com/${"a".repeat(2048)}`;
    expect(await invalid(webhookBody({ url: long }))).toEqual([
      { field: "/url", reason: "must be at most 2048 characters" },
    ]);
  });

  test("private IP literals are refused unless private targets are allowed", async () => {
    for (const url of [
      "http://127.0.0.1:8080/x",
      "http://10.1.2.3/x",
      "http://169.254.169.254/latest",
      "http://[::1]/x",
      "http://localhost:3000/x",
    ]) {
      const details = await invalid(webhookBody({ url }));
      expect(details).toHaveLength(1);
      expect(details[0]?.field).toBe("/url");
      expect(details[0]?.reason).toMatch(/loopback|private|link-local/);
    }
    const open = await createHarness({ allowPrivateTargets: true });
    try {
      const res = await open.call("POST", "/v1/webhooks", {
        body: webhookBody({ url: "http://127.0.0.1:8080/x" }),
      });
      expect(res.status).toBe(201);
    } finally {
      await open.close();
    }
  });

  test("events: empty, unknown (lists known types), duplicates", async () => {
    expect((await invalid(webhookBody({ events: [] })))[0]).toEqual({
      field: "/events",
      reason: "must not be empty",
    });
    const unknown = await invalid(webhookBody({ events: ["message.delivered", "message.exploded"] }));
    expect(unknown).toHaveLength(1);
    expect(unknown[0]?.field).toBe("/events/1");
    for (const t of ["message.delivered", "message.read", "message.failed", "message.action"]) {
      expect(unknown[0]?.reason).toContain(t);
    }
    expect(await invalid(webhookBody({ events: ["message.read", "message.read"] }))).toEqual([
      { field: "/events/1", reason: 'duplicates "message.read"' },
    ]);
  });

  test("description longer than 500 characters", async () => {
    const details = await invalid(webhookBody({ description: "x".repeat(501) }));
    expect(details).toEqual([{ field: "/description", reason: "must be at most 500 characters" }]);
    const ok = await h.call("POST", "/v1/webhooks", { body: webhookBody({ description: "x".repeat(500) }) });
    expect(ok.status).toBe(201);
  });

  test("put: empty body, unknown field, bad values", async () => {
    const created = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    const path = `/v1/webhooks/${created.json.id}`;
    const empty = await h.call("PUT", path, { body: {} });
    expect(empty.status).toBe(422);
    expect(empty.json.error.details[0].reason).toBe("must set at least one field");
    const unknown = await h.call("PUT", path, { body: { enabled: true, id: "wh_x" } });
    expect(unknown.status).toBe(422);
    expect(unknown.json.error.details).toEqual([{ field: "/id", reason: "is not a known field" }]);
    const badEnabled = await h.call("PUT", path, { body: { enabled: "yes" } });
    expect(badEnabled.status).toBe(422);
    expect(badEnabled.json.error.details[0].field).toBe("/enabled");
    const badUrl = await h.call("PUT", path, { body: { url: "http://192.168.1.1/" } });
    expect(badUrl.status).toBe(422);
    const unchanged = await h.call("GET", path);
    expect(unchanged.json.url).toBe(created.json.url);
  });

  test("limit out of range and invalid cursor", async () => {
    for (const q of ["limit=0", "limit=101", "limit=abc", "limit=1.5"]) {
      const res = await h.call("GET", `/v1/webhooks?${q}`);
      expect(res.status).toBe(422);
      expect(res.json.error.details[0].field).toBe("limit");
    }
    const cursor = await h.call("GET", "/v1/webhooks?cursor=garbage!!");
    expect(cursor.status).toBe(400);
    expect(cursor.json.error.code).toBe("invalid_cursor");
  });
});

describe("test sends", () => {
  test("sends the docs' sample of the type and answers the attempt", async () => {
    const created = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    const res = await h.call("POST", "/v1/webhooks/test", {
      body: { webhook_id: created.json.id, event_type: "message.action" },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      webhook_id: created.json.id,
      event_type: "message.action",
      outcome: "succeeded",
      status_code: 200,
      test: true,
      delivery_id: null,
    });
    expect(res.json.started_at).toMatch(RFC3339_SECONDS);
    const sent = h.delivery.tests.at(-1);
    expect(sent?.event.id).toMatch(/^evt_/);
    expect(sent?.event.test).toBe(true);
    expect(sent?.event.data).toEqual({
      message_id: "msg_1234567890",
      to: "+15551234567",
      action: "confirm",
      action_data: { button_id: "btn_confirm", custom_data: { order_id: "A-123" } },
      clicked_at: "2025-01-15T10:26:00Z",
    });
    const logs = await h.call("GET", `/v1/webhooks/${created.json.id}/logs`);
    expect(logs.json.data[0].id).toBe(res.json.id);
  });

  test("unknown type is 422 listing types; unknown webhook is 404", async () => {
    const created = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    const bad = await h.call("POST", "/v1/webhooks/test", {
      body: { webhook_id: created.json.id, event_type: "nope" },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0].field).toBe("/event_type");
    expect(bad.json.error.details[0].reason).toContain("message.failed");
    const missing = await h.call("POST", "/v1/webhooks/test", {
      body: { webhook_id: "wh_01ZZZZZZZZZZZZZZZZZZZZZZZZ", event_type: "message.read" },
    });
    expect(missing.status).toBe(404);
  });
});

describe("webhooks per account limit", () => {
  let limited: Harness;
  beforeAll(async () => {
    limited = await createHarness({ webhooksPerAccountMax: 3 });
  });
  afterAll(async () => {
    await limited.close();
  });

  test("one webhook past the limit answers 422 limit_exceeded naming the limit and its setting", async () => {
    const a = await limited.newAccount("at-limit");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await limited.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody() });
      expect(r.status).toBe(201);
      ids.push(r.json.id);
    }
    const refused = await limited.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody() });
    expect(refused.status).toBe(422);
    expect(refused.headers.get("content-type")).toBe("application/json");
    expect(refused.json).toEqual({
      error: {
        code: "limit_exceeded",
        message: "the account has reached its limit of 3 webhooks; delete one before registering another",
        details: {
          limit: "max_webhooks_per_account",
          max: 3,
          env: "INBOX_MAX_WEBHOOKS_PER_ACCOUNT",
          flag: "--max-webhooks-per-account",
        },
      },
    });
    // The admin key acting for the account is held to the same limit.
    const admin = await limited.call("POST", "/v1/webhooks", {
      key: ADMIN_KEY,
      body: { ...webhookBody(), account_id: a.id },
    });
    expect(admin.status).toBe(422);
    expect(admin.json.error.code).toBe("limit_exceeded");
    const listed = await limited.call("GET", "/v1/webhooks?limit=100", { key: a.key });
    expect(listed.json.data).toHaveLength(3);

    // Updating, disabling and re-enabling are not creates; another account has its own count.
    for (const enabled of [false, true]) {
      const put = await limited.call("PUT", `/v1/webhooks/${ids[0]}`, { key: a.key, body: { enabled } });
      expect(put.status).toBe(200);
    }
    const other = await limited.newAccount("other");
    expect((await limited.call("POST", "/v1/webhooks", { key: other.key, body: webhookBody() })).status).toBe(
      201,
    );
    // Deleting one frees its place.
    expect((await limited.call("DELETE", `/v1/webhooks/${ids[1]}`, { key: a.key })).status).toBe(204);
    expect((await limited.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody() })).status).toBe(
      201,
    );
    expect((await limited.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody() })).status).toBe(
      422,
    );
  });

  test("concurrent registrations at the last free place: exactly one is created", async () => {
    const a = await limited.newAccount("racing");
    expect((await limited.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody() })).status).toBe(
      201,
    );
    expect((await limited.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody() })).status).toBe(
      201,
    );
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        limited.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody() }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 422, 422, 422, 422]);
    const listed = await limited.call("GET", "/v1/webhooks?limit=100", { key: a.key });
    expect(listed.json.data).toHaveLength(3);
  });

  test("validation comes first: a bad registration at the limit names its field", async () => {
    const a = await limited.newAccount("full-and-wrong");
    for (let i = 0; i < 3; i++)
      await limited.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody() });
    const r = await limited.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody({ events: [] }) });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe("validation_failed");
  });
});
