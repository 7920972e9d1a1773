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

describe("a portal link ends the session the browser held", () => {
  /** Whether the session id still opens a page. */
  async function alive(sessionId: string): Promise<boolean> {
    const other = new BrowserClient(h.app);
    other.cookies.set("inbox_session", sessionId);
    return (await other.get("/dashboard/endpoints")).status === 200;
  }

  // The operator opening a link in their own browser, or a link planted on someone (login CSRF):
  // the cookie is replaced, and the session it named must not live on unseen until its idle end.
  test("opening a portal link ends the session the browser held, on the server too", async () => {
    const account = await h.newAccount("portal-replaces");
    const b = new BrowserClient(h.app);
    await b.signIn(h.defaultKey);
    const held = b.cookies.get("inbox_session") ?? "";
    const link = await h.call("POST", `/v1/accounts/${account.id}/portal-links`, {
      key: ADMIN_KEY,
      body: {},
    });
    const opened = await b.get(new URL(link.json.url).pathname);
    expect(opened.status).toBe(200);
    const portal = b.cookies.get("inbox_session") ?? "";
    expect(portal).not.toBe(held);
    expect(await alive(portal)).toBe(true);
    expect(await alive(held)).toBe(false);
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
