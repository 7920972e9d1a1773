// Scoped, named, expiring keys through the compiled binary, as a user meets them: the admin issues
// a publish-only key with a name and an expiry, which publishes and reads the catalog but gets 403
// insufficient_scope on webhooks; an account's manage key issues and revokes its own keys, never a
// wider one; key listings never show a key; a key answers 401 once its expiry passes (about 2 s of
// waiting); and last_used_at, kept in memory, is written when the server stops (SIGTERM) and read
// back after a restart. Run by `bun run test` after the build.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { api, eventually, type FreshServer, type RunningServer, startFresh } from "./binary-harness";

interface Key {
  id: string;
  name: string | null;
  scopes: string[];
  expires_at: string | null;
  last_used_at: string | null;
  api_key?: string;
}

let fresh: FreshServer;
let server: RunningServer;
let key: string;
let adminKey: string;
let accountId: string;

beforeAll(async () => {
  fresh = await startFresh();
  ({ server, apiKey: key, adminKey, accountId } = fresh);
});

afterAll(async () => {
  await fresh?.close();
});

describe("scoped keys, through the binary", () => {
  test("a publish key publishes and reads the catalog; managing answers 403 naming manage", async () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const made = await api(server, adminKey, "POST", `/v1/accounts/${accountId}/keys`, {
      name: "billing-service",
      scopes: ["publish"],
      expires_at: expires,
    });
    expect(made.status).toBe(201);
    const publishKey = made.body as Key;
    expect(publishKey).toMatchObject({ name: "billing-service", scopes: ["publish"], expires_at: expires });

    const types = await api(server, publishKey.api_key ?? "", "GET", "/v1/event-types");
    expect(types.status).toBe(200);
    const sample = (types.body as { data: { type: string; example: { data: unknown } }[] }).data[0];
    const published = await api(server, publishKey.api_key ?? "", "POST", "/v1/events", {
      type: sample?.type,
      data: sample?.example.data,
    });
    expect(published.status).toBe(202);
    const refused = await api(server, publishKey.api_key ?? "", "GET", "/v1/webhooks");
    expect(refused).toEqual({
      status: 403,
      body: {
        error: {
          code: "insufficient_scope",
          message: "this key lacks the manage scope",
          details: { required_scope: "manage" },
        },
      },
    });
  });

  test("an account's manage key issues narrower keys only, and revokes them", async () => {
    const manageOnly = await api(server, key, "POST", "/v1/keys", { name: "ops", scopes: ["manage"] });
    expect(manageOnly.status).toBe(201);
    const opsKey = (manageOnly.body as Key).api_key ?? "";
    const wider = await api(server, opsKey, "POST", "/v1/keys", { scopes: ["publish"] });
    expect(wider.status).toBe(422);
    expect(JSON.stringify(wider.body)).toContain("/scopes");
    const listed = await api(server, opsKey, "GET", "/v1/keys");
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(opsKey);
    expect((listed.body as { data: Key[] }).data.map((k) => k.name)).toEqual([
      "ops",
      "billing-service",
      null,
    ]);
    const revoked = await api(server, key, "DELETE", `/v1/keys/${(manageOnly.body as Key).id}`);
    expect(revoked.status).toBe(204);
    expect((await api(server, opsKey, "GET", "/v1/webhooks")).status).toBe(401);
  });

  test("a key answers 401 from its expires_at on, and stays listed", async () => {
    // Two whole seconds ahead (expires_at is RFC 3339, whole seconds here).
    const expiresMs = Math.ceil(Date.now() / 1000) * 1000 + 2000;
    const expires = new Date(expiresMs).toISOString().replace(/\.\d{3}Z$/, "Z");
    const made = await api(server, adminKey, "POST", `/v1/accounts/${accountId}/keys`, {
      name: "short-lived",
      expires_at: expires,
    });
    expect(made.status).toBe(201);
    const shortLived = (made.body as Key).api_key ?? "";
    expect((await api(server, shortLived, "GET", "/v1/webhooks")).status).toBe(200);
    await Bun.sleep(Math.max(0, expiresMs - Date.now()));
    const expired = await eventually(async () => {
      const res = await api(server, shortLived, "GET", "/v1/webhooks");
      return res.status === 200 ? undefined : res;
    });
    expect(expired).toEqual({
      status: 401,
      body: { error: { code: "unauthorized", message: "missing or invalid API key" } },
    });
    const listed = (await api(server, adminKey, "GET", `/v1/accounts/${accountId}/keys`)).body as {
      data: Key[];
    };
    expect(listed.data.find((k) => k.name === "short-lived")?.expires_at).toBe(expires);
  });

  test("last_used_at is written when the server stops and read back after a restart", async () => {
    const before = (await api(server, adminKey, "GET", `/v1/accounts/${accountId}/keys`)).body as {
      data: Key[];
    };
    const defaultKey = before.data.find((k) => k.name === null);
    expect(defaultKey?.last_used_at).not.toBeNull();
    await fresh.restart(); // expects exit code 0 on SIGTERM
    server = fresh.server;
    const after = (await api(server, adminKey, "GET", `/v1/accounts/${accountId}/keys`)).body as {
      data: Key[];
    };
    expect(after.data.find((k) => k.id === defaultKey?.id)?.last_used_at).toBe(
      defaultKey?.last_used_at ?? "",
    );
  });
});
