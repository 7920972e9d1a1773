// GET /v1/webhooks/{id}/secret and POST /v1/webhooks/{id}/secret/rotate through the API.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_KEY, createHarness, type Harness, servedSpec, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const HOUR_MS = 3_600_000;

async function newWebhook(key?: string): Promise<{ id: string; secret: string }> {
  const created = await h.call("POST", "/v1/webhooks", { body: webhookBody(), ...(key ? { key } : {}) });
  expect(created.status).toBe(201);
  return created.json;
}

const rotate = (id: string, body?: unknown, key?: string) =>
  h.call("POST", `/v1/webhooks/${id}/secret/rotate`, {
    ...(body === undefined ? {} : { body }),
    ...(key ? { key } : {}),
  });

describe("webhook secret", () => {
  test("GET answers the current secret and no previous one before any rotation", async () => {
    const w = await newWebhook();
    const got = await h.call("GET", `/v1/webhooks/${w.id}/secret`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual({ secret: w.secret, previous_secret: null, previous_expires_at: null });
  });

  test("rotate with no body keeps the old secret for 24 hours", async () => {
    const w = await newWebhook();
    const before = Date.now();
    const rotated = await rotate(w.id);
    expect(rotated.status).toBe(200);
    expect(Object.keys(rotated.json).sort()).toEqual(["previous_expires_at", "secret"]);
    expect(rotated.json.secret).toMatch(SECRET);
    expect(rotated.json.secret).not.toBe(w.secret);
    expect(rotated.json.previous_expires_at).toMatch(RFC3339_SECONDS);
    const expires = Date.parse(rotated.json.previous_expires_at);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 24 * HOUR_MS);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * HOUR_MS + 1_000); // whole seconds, rounded up

    const got = await h.call("GET", `/v1/webhooks/${w.id}/secret`);
    expect(got.json).toEqual({
      secret: rotated.json.secret,
      previous_secret: w.secret,
      previous_expires_at: rotated.json.previous_expires_at,
    });
    // The webhook itself still never shows a secret.
    expect((await h.call("GET", `/v1/webhooks/${w.id}`)).text).not.toContain("whsec_");
  });

  test('an overlap of "0s" retires the old secret at once', async () => {
    const w = await newWebhook();
    const rotated = await rotate(w.id, { overlap: "0s" });
    expect(rotated.status).toBe(200);
    expect(rotated.json.previous_expires_at).toBeNull();
    const got = await h.call("GET", `/v1/webhooks/${w.id}/secret`);
    expect(got.json).toEqual({
      secret: rotated.json.secret,
      previous_secret: null,
      previous_expires_at: null,
    });
  });

  test("a given overlap sets the expiry; rotating again ends the older overlap", async () => {
    const w = await newWebhook();
    const first = await rotate(w.id, { overlap: "2h" });
    expect(first.status).toBe(200);
    const expires = Date.parse(first.json.previous_expires_at);
    expect(Math.abs(expires - (Date.now() + 2 * HOUR_MS))).toBeLessThan(5_000);

    const second = await rotate(w.id, { overlap: "7d" });
    expect(second.status).toBe(200);
    const got = await h.call("GET", `/v1/webhooks/${w.id}/secret`);
    // Only one previous secret is kept: the first rotation's, and the original is gone.
    expect(got.json).toEqual({
      secret: second.json.secret,
      previous_secret: first.json.secret,
      previous_expires_at: second.json.previous_expires_at,
    });
    expect(got.text).not.toContain(w.secret);
  });

  test("updates leave the secrets alone", async () => {
    const w = await newWebhook();
    const rotated = await rotate(w.id, { overlap: "1h" });
    const updated = await h.call("PUT", `/v1/webhooks/${w.id}`, { body: { description: "changed" } });
    expect(updated.status).toBe(200);
    const got = await h.call("GET", `/v1/webhooks/${w.id}/secret`);
    expect(got.json).toMatchObject({ secret: rotated.json.secret, previous_secret: w.secret });
  });

  test("bad overlaps answer 422 naming the field and why", async () => {
    const w = await newWebhook();
    const cases: [unknown, RegExp][] = [
      [{ overlap: "8d" }, /at most 7d/],
      [{ overlap: "169h" }, /at most 7d/],
      [{ overlap: "soon" }, /duration/],
      [{ overlap: "24" }, /unit/],
      [{ overlap: "-1h" }, /negative/],
      [{ overlap: "" }, /duration/],
    ];
    for (const [body, reason] of cases) {
      const res = await rotate(w.id, body);
      expect(res.status).toBe(422);
      expect(res.json.error.code).toBe("validation_failed");
      expect(res.json.error.details).toEqual([{ field: "/overlap", reason: expect.stringMatching(reason) }]);
    }
    for (const body of [{ overlap: 24 }, { overlap: "1h", extra: true }]) {
      const res = await rotate(w.id, body);
      expect(res.status).toBe(422);
      expect(res.json.error.code).toBe("validation_failed");
    }
    for (const raw of ["[]", '["24h"]', '"24h"', "5", "true"]) {
      const res = await h.call("POST", `/v1/webhooks/${w.id}/secret/rotate`, {
        rawBody: raw,
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(422);
      expect(res.json.error.code).toBe("validation_failed");
    }
    const malformed = await h.call("POST", `/v1/webhooks/${w.id}/secret/rotate`, {
      rawBody: "{",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBeLessThan(500);
    expect(malformed.json.error.code).toBeString();
    // Nothing was rotated by the refused requests.
    expect((await h.call("GET", `/v1/webhooks/${w.id}/secret`)).json.secret).toBe(w.secret);
  });

  test("other accounts get 404 on both routes; the admin reaches them with account_id", async () => {
    const other = await h.newAccount("other");
    const w = await newWebhook();
    expect((await h.call("GET", `/v1/webhooks/${w.id}/secret`, { key: other.key })).status).toBe(404);
    expect((await rotate(w.id, { overlap: "0s" }, other.key)).status).toBe(404);
    expect((await h.call("GET", `/v1/webhooks/${w.id}/secret`)).json.secret).toBe(w.secret);
    expect((await h.call("GET", "/v1/webhooks/wh_missing/secret")).status).toBe(404);
    expect((await rotate("wh_missing")).status).toBe(404);
    expect((await h.call("GET", `/v1/webhooks/${w.id}/secret`, { key: null })).status).toBe(401);

    const admin = await h.call(
      "POST",
      `/v1/webhooks/${w.id}/secret/rotate?account_id=${h.defaultAccountId}`,
      {
        key: ADMIN_KEY,
        body: { overlap: "0s" },
      },
    );
    expect(admin.status).toBe(200);
    const got = await h.call("GET", `/v1/webhooks/${w.id}/secret?account_id=${h.defaultAccountId}`, {
      key: ADMIN_KEY,
    });
    expect(got.json.secret).toBe(admin.json.secret);
  });

  test("the OpenAPI document describes both operations with examples", async () => {
    const doc = await servedSpec(h);
    const rotateOp = doc.paths["/v1/webhooks/{id}/secret/rotate"]?.post;
    const getOp = doc.paths["/v1/webhooks/{id}/secret"]?.get;
    expect(rotateOp?.summary).toBe("Rotate a webhook's signing secret");
    expect(getOp?.summary).toBe("Get a webhook's signing secret");
    expect(JSON.stringify(rotateOp)).toContain("24h");
    expect(JSON.stringify(rotateOp.responses["200"])).toContain("previous_expires_at");
  });
});
