// A webhook registered to a private address while private targets were allowed, seen by a server that
// no longer allows them: the API marks it (destination_blocked, in GET, list and PUT answers and in the
// OpenAPI document) and the start-up scan logs it, bounded. The record itself is not rewritten, so a
// server that allows private targets again shows it clean.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { blockedWebhooks, logBlockedWebhooks } from "../../src/domain/blocked-destinations";
import type { HttpApp } from "../../src/http/http-app";
import { createHarness, type Harness, testApp, webhookBody } from "./harness";

let dev: Harness;
/** The same store, served as a restart without INBOX_ALLOW_PRIVATE_TARGETS would serve it. */
let strict: HttpApp;
const ids: Record<string, string> = {};

const PRIVATE_URLS = {
  loopback: "http://127.0.0.1:8080/hook",
  private: "http://10.1.2.3/hook",
  metadata: "http://169.254.169.254/latest",
  v6: "http://[::1]:9000/hook",
  localhost: "http://localhost:3000/hook",
};

beforeAll(async () => {
  dev = await createHarness({ allowPrivateTargets: true });
  for (const [name, url] of Object.entries({ ...PRIVATE_URLS, public: "https://hooks.example.com/inbox" })) {
    const res = await dev.call("POST", "/v1/webhooks", { body: webhookBody({ url }) });
    expect(res.status).toBe(201);
    expect(res.json.destination_blocked).toBeNull();
    ids[name] = res.json.id;
  }
  strict = testApp(dev.store, { ...dev.config, allowPrivateTargets: false }, { delivery: dev.delivery });
});
afterAll(async () => {
  await dev.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await strict.handle(
    new Request(`http://localhost${path}`, {
      method,
      headers: {
        authorization: `Bearer ${dev.defaultKey}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  const json: any = await res.json();
  return { status: res.status, json };
}

describe("a webhook whose destination the server now refuses", () => {
  test("GET shows why, while it stays enabled and its URL is kept", async () => {
    const expected: Record<string, RegExp> = {
      loopback: /^127\.0\.0\.1 is a loopback address/,
      private: /^10\.1\.2\.3 is a private address/,
      metadata: /^169\.254\.169\.254 is a link-local address/,
      v6: /^::1 is the loopback address/,
      localhost: /^localhost is a loopback host name/,
    };
    for (const [name, url] of Object.entries(PRIVATE_URLS)) {
      const got = await call("GET", `/v1/webhooks/${ids[name]}`);
      expect(got.status).toBe(200);
      expect(got.json).toMatchObject({ url, enabled: true });
      expect(got.json.destination_blocked).toMatch(expected[name] as RegExp);
      expect(got.json.destination_blocked).toContain("every delivery fails until the URL is changed");
    }
    expect((await call("GET", `/v1/webhooks/${ids.public}`)).json.destination_blocked).toBeNull();
  });

  test("the list marks the same webhooks, and only those", async () => {
    const list = await call("GET", "/v1/webhooks?limit=100");
    const blocked = (list.json.data as { id: string; destination_blocked: string | null }[])
      .filter((w) => w.destination_blocked !== null)
      .map((w) => w.id)
      .sort();
    expect(blocked).toEqual(
      Object.keys(PRIVATE_URLS)
        .map((n) => ids[n] as string)
        .sort(),
    );
  });

  test("is computed, not stored: a server allowing private targets shows it clean", async () => {
    const again = await dev.call("GET", `/v1/webhooks/${ids.loopback}`);
    expect(again.json.destination_blocked).toBeNull();
    expect(dev.store.webhooks.get(dev.defaultAccountId, ids.loopback as string)).not.toHaveProperty(
      "destination_blocked",
    );
  });

  test("an update answers the mark until the URL is changed to an allowed one", async () => {
    const renamed = await call("PUT", `/v1/webhooks/${ids.private}`, { description: "still internal" });
    expect(renamed.status).toBe(200);
    expect(renamed.json.destination_blocked).toMatch(/private address/);
    expect(dev.store.webhooks.get(dev.defaultAccountId, ids.private as string)).not.toHaveProperty(
      "destination_blocked",
    );
    const moved = await call("PUT", `/v1/webhooks/${ids.private}`, {
      url: "https://hooks.example.com/moved",
    });
    expect(moved.status).toBe(200);
    expect(moved.json.destination_blocked).toBeNull();
    // Restore it for the scan below.
    await dev.call("PUT", `/v1/webhooks/${ids.private}`, { body: { url: PRIVATE_URLS.private } });
  });

  test("the OpenAPI document describes the field", async () => {
    const res = await strict.handle(new Request("http://localhost/swagger/json"));
    const text = JSON.stringify(await res.json());
    expect(text).toContain('"destination_blocked"');
    expect(text).toContain("does not deliver there");
  });
});

describe("the start-up scan", () => {
  function recorder() {
    const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
    return { lines, warn: (msg: string, fields?: Record<string, unknown>) => lines.push({ msg, fields }) };
  }

  test("logs one line per blocked webhook with account, id and reason, never the URL", async () => {
    const log = recorder();
    expect(await logBlockedWebhooks(dev.store, false, log)).toBe(5);
    const each = log.lines.filter((l) => l.msg === "webhook destination not allowed");
    expect(each.map((l) => l.fields?.webhook_id).sort()).toEqual(
      Object.keys(PRIVATE_URLS)
        .map((n) => ids[n])
        .sort(),
    );
    for (const l of each) {
      expect(l.fields).toMatchObject({ account_id: dev.defaultAccountId, enabled: true });
      expect(JSON.stringify(l.fields)).not.toContain("/hook");
    }
    expect(log.lines.at(-1)).toMatchObject({
      msg: "webhooks with destinations this server refuses",
      fields: { total: 5, logged: 5 },
    });
  });

  test("is bounded: past the limit, only the summary counts them", async () => {
    const log = recorder();
    expect(await logBlockedWebhooks(dev.store, false, log, 2)).toBe(5);
    expect(log.lines).toHaveLength(3);
    expect(log.lines[2]?.fields).toMatchObject({ total: 5, logged: 2 });
  });

  test("finds webhooks in every account, across pages", async () => {
    for (const name of ["other-1", "other-2", "other-3"]) {
      const other = await dev.newAccount(name);
      for (let i = 0; i < 10; i++) {
        const url = i % 2 === 0 ? `http://10.0.0.${i + 1}/h` : "https://hooks.example.com/x";
        const res = await dev.call("POST", "/v1/webhooks", { key: other.key, body: webhookBody({ url }) });
        expect(res.status).toBe(201);
      }
    }
    const found: string[] = [];
    for await (const b of blockedWebhooks(dev.store, false, 3)) found.push(b.webhook.id);
    expect(found).toHaveLength(5 + 3 * 5);
    expect(new Set(found).size).toBe(found.length);
    expect(await logBlockedWebhooks(dev.store, false, recorder(), 0)).toBe(5 + 3 * 5);
  });

  test("logs nothing while private targets are allowed", async () => {
    const log = recorder();
    expect(await logBlockedWebhooks(dev.store, true, log)).toBe(0);
    expect(log.lines).toEqual([]);
  });
});
