// Findings of the dashboard's security review, each pinned by a test that failed before its fix:
// what a request can make the sign-in page say, sessions left behind by a new sign-in, and the
// shape of redirect targets.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_KEY, createHarness, type Harness } from "../http/harness";
import { BrowserClient } from "./browser-client";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe("the sign-in page's ?notice=", () => {
  test("names of Object.prototype's members show no notice (only the page's own texts do)", async () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const page = await new BrowserClient(h.app).get(`/dashboard/sign-in?notice=${name}`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('role="status"');
    }
    const known = await new BrowserClient(h.app).get("/dashboard/sign-in?notice=signed-out");
    expect(known.text).toContain('<p class="notice" role="status">You are signed out.</p>');
  });
});

describe("a portal link and the session the browser holds", () => {
  /** Whether the session id still opens a page. */
  async function alive(sessionId: string): Promise<boolean> {
    const other = new BrowserClient(h.app);
    other.cookies.set("inbox_session", sessionId);
    return (await other.get("/dashboard/endpoints")).status === 200;
  }

  /** A new portal link's path for `accountId`. */
  async function linkPath(accountId: string): Promise<string> {
    const link = await h.call("POST", `/v1/accounts/${accountId}/portal-links`, { key: ADMIN_KEY, body: {} });
    expect(link.status).toBe(201);
    return new URL(link.json.url).pathname;
  }

  // A second link in the same browser (the platform's iframe opening the portal again): the
  // cookie is replaced, and the session it named must not live on unseen until its idle end.
  test("a link opened over a portal session ends that session, on the server too", async () => {
    const account = await h.newAccount("portal-replaces");
    const b = new BrowserClient(h.app);
    expect((await b.get(await linkPath(account.id))).status).toBe(200);
    const held = b.cookies.get("inbox_session") ?? "";
    expect(await alive(held)).toBe(true);
    expect((await b.get(await linkPath(account.id))).status).toBe(200);
    const portal = b.cookies.get("inbox_session") ?? "";
    expect(portal).not.toBe(held);
    expect(await alive(portal)).toBe(true);
    expect(await alive(held)).toBe(false);
  });

  // Login CSRF: a link of the attacker's account, planted on someone signed in with a key (the
  // operator, a customer), would swap their session for the attacker's account without a word.
  test("a link opened over a key's session is refused, the link kept and the session left alone", async () => {
    const account = await h.newAccount("portal-planted");
    const path = await linkPath(account.id);
    for (const key of [h.defaultKey, ADMIN_KEY]) {
      const b = new BrowserClient(h.app);
      await b.signIn(key);
      const held = b.cookies.get("inbox_session") ?? "";
      const refused = await b.get(path);
      expect(refused.status).toBe(409);
      expect(refused.text).toContain("You are already signed in");
      expect(refused.text).toContain(">Sign out</button>");
      expect(refused.headers.getSetCookie()).toEqual([]);
      expect(b.cookies.get("inbox_session")).toBe(held);
      expect(await alive(held)).toBe(true);
    }
    const fresh = new BrowserClient(h.app);
    expect((await fresh.get(path)).status).toBe(200);
    expect((await fresh.get("/dashboard/endpoints")).text).toContain(`Account ${account.id}`);
  });
});

describe("the sign-in limit per client", () => {
  /** A wrong-key attempt from `address` (named by X-Forwarded-For: no socket counts as a local proxy). */
  async function wrongKeyFrom(address: string): Promise<number> {
    const b = new BrowserClient(h.app);
    const headers = { "x-forwarded-for": address };
    await b.get("/dashboard/sign-in", headers);
    return (await b.post("/dashboard/sign-in", { key: "ik_wrong" }, headers)).status;
  }

  // One IPv6 host is handed a /64 or more: counted address by address, it could try without end
  // and use up the limit every client shares (300 a minute), so nobody else could sign in.
  test("addresses of one IPv6 /64 share one limit; another /64 is counted apart", async () => {
    for (let i = 1; i <= 10; i++) expect(await wrongKeyFrom(`2001:db8:1:2::${i.toString(16)}`)).toBe(401);
    expect(await wrongKeyFrom("2001:db8:1:2:ffff:1:2:3")).toBe(429);
    expect(await wrongKeyFrom("2001:db8:1:3::1")).toBe(401);
  });
});

describe("the dashboard allows no more than the API", () => {
  // The API's schema capped a description at 500 characters; the service did not, so the
  // dashboard's form (which calls the service) stored one as long as its 64 KiB form allowed.
  test("an endpoint's description is capped at 500 characters on create and on edit", async () => {
    const b = new BrowserClient(h.app);
    await b.signIn(h.defaultKey);
    await b.get("/dashboard/endpoints/new");
    const url = "https://hooks.example.com/described";
    const long = await b.post("/dashboard/endpoints", { url, description: "d".repeat(501), events: ["*"] });
    expect(long.status).toBe(422);
    expect(long.text).toContain("at most 500 characters");
    const fits = await b.post("/dashboard/endpoints", { url, description: "d".repeat(500), events: ["*"] });
    expect(fits.status).toBe(200);
    const id = /\/dashboard\/endpoints\/(wh_[A-Za-z0-9]+)\/edit/.exec(fits.text)?.[1] ?? "";
    await b.get(`/dashboard/endpoints/${id}/edit`);
    const edit = await b.post(`/dashboard/endpoints/${id}`, {
      url,
      description: "e".repeat(10_000),
      events: ["*"],
    });
    expect(edit.status).toBe(422);
    const stored = await h.call("GET", `/v1/webhooks/${id}`);
    expect(stored.json.description).toBe("d".repeat(500));
  });
});
