// Portal sessions inside the platform's iframe: with INBOX_PORTAL_FRAME_ANCESTORS set and an https
// public origin, a portal link's session (and its notices) use SameSite=None; Secure; Partitioned
// cookies; sessions signed in with a key stay SameSite=Strict; without https or without frame
// ancestors, portal sessions stay SameSite=Strict too. CSRF protection does not rest on SameSite:
// an embedded portal session's POST without its token, or from another origin (the framing
// platform's included), is refused and changes nothing.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Config } from "../../src/config/config";
import { ADMIN_KEY, createHarness, type Harness, webhookBody } from "../http/harness";
import { BrowserClient } from "./browser-client";

const PUBLIC = "https://inbox.example.com";
const PLATFORM = "https://app.example.com";
const SESSION = /^inbox_session=[A-Za-z0-9_-]{43}; Path=\/dashboard; HttpOnly; /;

function setCookieOf(headers: Headers, name: string): string[] {
  return headers.getSetCookie().filter((c) => c.startsWith(`${name}=`));
}

async function withHarness(overrides: Partial<Config>, run: (h: Harness) => Promise<void>): Promise<void> {
  const h = await createHarness(overrides);
  try {
    await run(h);
  } finally {
    await h.close();
  }
}

/** Opens a fresh portal link of the default account; answers the client and the portal page. */
async function openPortal(h: Harness, origin: string) {
  const link = await h.call("POST", `/v1/accounts/${h.defaultAccountId}/portal-links`, {
    key: ADMIN_KEY,
    body: {},
  });
  expect(link.status).toBe(201);
  const b = new BrowserClient(h.app, origin);
  const opened = await b.get(new URL(link.json.url).pathname);
  expect(opened.status).toBe(200);
  return { b, opened };
}

describe("embeddable portal (frame ancestors and https)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ publicUrl: PUBLIC, portalFrameAncestors: [PLATFORM] });
  });
  afterAll(async () => {
    await h.close();
  });

  test("a portal link's session cookie is SameSite=None; Secure; Partitioned", async () => {
    const { b, opened } = await openPortal(h, PUBLIC);
    const [cookie] = setCookieOf(opened.headers, "inbox_session");
    expect(cookie).toMatch(SESSION);
    expect(cookie).toMatch(/; SameSite=None; Max-Age=\d+; Secure; Partitioned$/);
    expect(opened.headers.get("content-security-policy")).toContain(`frame-ancestors ${PLATFORM}`);
    const endpoints = await b.get("/dashboard/endpoints");
    expect(endpoints.status).toBe(200);
    expect(endpoints.headers.get("content-security-policy")).toContain(`frame-ancestors ${PLATFORM}`);
  });

  test("its POSTs still need the session's token and this server's Origin; then its notice is partitioned too", async () => {
    const made = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    expect(made.status).toBe(201);
    const id = made.json.id as string;
    const { b } = await openPortal(h, PUBLIC);
    await b.get(`/dashboard/endpoints/${id}/delete`);
    const csrf = b.csrf();
    const path = `/dashboard/endpoints/${id}/delete`;
    const refusals = [
      await b.post(path, { csrf: "" }),
      await b.post(path, { csrf: "x".repeat(43) }),
      await b.post(path, { csrf }, { origin: PLATFORM }),
      await b.post(path, { csrf }, { origin: "https://evil.example" }),
      await b.post(path, { csrf }, { origin: "" }),
    ];
    for (const refused of refusals) {
      expect(refused.status).toBe(403);
      expect(refused.text).toContain("Nothing was changed");
    }
    expect((await h.call("GET", `/v1/webhooks/${id}`)).status).toBe(200);

    await b.get(`/dashboard/endpoints/${id}/delete`);
    const done = await b.post(`/dashboard/endpoints/${id}/delete`, {});
    expect(done.status).toBe(303);
    expect(setCookieOf(done.headers, "inbox_notice")[0]).toMatch(
      /; SameSite=None; Max-Age=60; Secure; Partitioned$/,
    );
    const list = await b.get(done.location as string);
    expect(list.text).toContain('role="status">Endpoint deleted.');
    expect(setCookieOf(list.headers, "inbox_notice")).toEqual([
      "inbox_notice=; Path=/dashboard; HttpOnly; SameSite=None; Max-Age=0; Secure; Partitioned",
    ]);
    expect((await h.call("GET", `/v1/webhooks/${id}`)).status).toBe(404);
  });

  test("signing out removes both kinds of session cookie", async () => {
    const { b } = await openPortal(h, PUBLIC);
    await b.get("/dashboard/endpoints");
    const out = await b.post("/dashboard/sign-out", {});
    expect(out.status).toBe(303);
    expect(setCookieOf(out.headers, "inbox_session")).toEqual([
      "inbox_session=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0; Secure",
      "inbox_session=; Path=/dashboard; HttpOnly; SameSite=None; Max-Age=0; Secure; Partitioned",
    ]);
  });

  test("a session signed in with a key stays SameSite=Strict (and its notices)", async () => {
    const b = new BrowserClient(h.app, PUBLIC);
    const res = await b.signIn(h.defaultKey);
    expect(res.status).toBe(303);
    expect(setCookieOf(res.headers, "inbox_session")[0]).toMatch(/; SameSite=Strict; Max-Age=\d+; Secure$/);
    const made = await h.call("POST", "/v1/webhooks", { body: webhookBody() });
    await b.get(`/dashboard/endpoints/${made.json.id}/delete`);
    const done = await b.post(`/dashboard/endpoints/${made.json.id}/delete`, {});
    expect(setCookieOf(done.headers, "inbox_notice")[0]).toMatch(/; SameSite=Strict; Max-Age=60; Secure$/);
  });
});

describe("portal sessions that stay SameSite=Strict", () => {
  test("frame ancestors over plain http: Strict, not Secure (SameSite=None would need Secure)", async () => {
    await withHarness({ portalFrameAncestors: [PLATFORM] }, async (h) => {
      const { opened } = await openPortal(h, "http://localhost");
      const [cookie] = setCookieOf(opened.headers, "inbox_session");
      expect(cookie).toMatch(SESSION);
      expect(cookie).toMatch(/; SameSite=Strict; Max-Age=\d+$/);
    });
  });

  test("https without frame ancestors: Strict and Secure", async () => {
    await withHarness({ publicUrl: PUBLIC }, async (h) => {
      const { opened } = await openPortal(h, PUBLIC);
      expect(setCookieOf(opened.headers, "inbox_session")[0]).toMatch(
        /; SameSite=Strict; Max-Age=\d+; Secure$/,
      );
    });
  });
});
