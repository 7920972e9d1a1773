// Sign-in, sign-out, the session cookie's flags, GET / and GET /dashboard, portal links, the sign-in
// rate limit and the shell's 503, through the real app (LMDB in a temp dir) with no socket.

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

function cookieHeader(setCookies: string[], name: string): string | undefined {
  return setCookies.find((c) => c.startsWith(`${name}=`));
}

describe("sign-in", () => {
  test("the page has the API key field and a form token, and sets the pre-session CSRF cookie", async () => {
    const b = new BrowserClient(h.app);
    const page = await b.get("/dashboard/sign-in");
    expect(page.status).toBe(200);
    expect(page.text).toContain('<label for="key">API key</label>');
    expect(page.text).toMatch(/<button type="submit" class="primary">Sign in<\/button>/);
    const csrf = cookieHeader(page.headers.getSetCookie(), "inbox_csrf");
    expect(csrf).toContain("HttpOnly");
    expect(csrf).toContain("SameSite=Strict");
    expect(csrf).toContain("Path=/dashboard");
    expect(b.cookies.get("inbox_csrf")).toBe(b.csrf());
  });

  test("an account key opens a session: HttpOnly, SameSite=Strict, no Secure on http; /dashboard goes to endpoints", async () => {
    const b = new BrowserClient(h.app);
    const res = await b.signIn(h.defaultKey);
    expect(res.status).toBe(303);
    expect(res.location).toBe("/dashboard");
    const session = cookieHeader(res.headers.getSetCookie(), "inbox_session");
    expect(session).toMatch(
      /^inbox_session=[A-Za-z0-9_-]{43}; Path=\/dashboard; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    expect(b.cookies.has("inbox_csrf")).toBe(false);
    const home = await b.get("/dashboard");
    expect(home.location).toBe("/dashboard/endpoints");
    const endpoints = await b.get("/dashboard/endpoints");
    expect(endpoints.status).toBe(200);
    expect(endpoints.text).toContain("<h1>Endpoints</h1>");
    expect(endpoints.text).toContain(">Sign out</button>");
    expect(endpoints.text).not.toContain(">Accounts</a>");
  });

  test("the admin key opens an admin session: /dashboard goes to accounts, the nav has Accounts and System", async () => {
    const b = new BrowserClient(h.app);
    expect((await b.signIn(ADMIN_KEY)).status).toBe(303);
    expect((await b.get("/dashboard")).location).toBe("/dashboard/accounts");
    const endpoints = await b.get("/dashboard/endpoints");
    expect(endpoints.text).toContain(">Accounts</a>");
    expect(endpoints.text).toContain(">System</a>");
    expect(endpoints.text).toContain("The operator's own endpoints");
  });

  test("the cookie is Secure when INBOX_PUBLIC_URL is https", async () => {
    const secure = await createHarness({ publicUrl: "https://inbox.example.com" });
    try {
      const b = new BrowserClient(secure.app, "https://inbox.example.com");
      const res = await b.signIn(secure.defaultKey);
      expect(res.status).toBe(303);
      expect(cookieHeader(res.headers.getSetCookie(), "inbox_session")).toContain("; Secure");
    } finally {
      await secure.close();
    }
  });

  test("a wrong key is refused without saying which part is wrong; no session is opened", async () => {
    const b = new BrowserClient(h.app);
    await b.get("/dashboard/sign-in");
    const res = await b.post("/dashboard/sign-in", { key: `${h.defaultKey.slice(0, -3)}xyz` });
    expect(res.status).toBe(401);
    expect(res.text).toContain('role="alert"');
    expect(res.text).toContain("That key was not accepted.");
    expect(b.cookies.has("inbox_session")).toBe(false);
    const empty = await b.post("/dashboard/sign-in", { key: "  " });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain("Paste your API key");
  });

  test("a publish-only key is answered with what it lacks", async () => {
    const created = await h.call("POST", "/v1/keys", { body: { name: "pub", scopes: ["publish"] } });
    expect(created.status).toBe(201);
    const b = new BrowserClient(h.app);
    const res = await b.signIn(created.json.api_key);
    expect(res.status).toBe(403);
    expect(res.text).toContain("This key can only publish events.");
    expect(b.cookies.has("inbox_session")).toBe(false);
  });

  test("the sign-in form is refused without its token or from another site", async () => {
    const b = new BrowserClient(h.app);
    await b.get("/dashboard/sign-in");
    const noToken = await b.post("/dashboard/sign-in", { key: h.defaultKey, csrf: "" });
    expect(noToken.status).toBe(403);
    expect(b.cookies.has("inbox_session")).toBe(false);
    const foreign = await b.post(
      "/dashboard/sign-in",
      { key: h.defaultKey },
      { origin: "https://evil.example" },
    );
    expect(foreign.status).toBe(403);
    expect(foreign.text).toContain("another site");
    expect(b.cookies.has("inbox_session")).toBe(false);
  });

  test("sign-out ends the session on the server; the old cookie no longer opens a page", async () => {
    const b = new BrowserClient(h.app);
    await b.signIn(h.defaultKey);
    const stolen = b.cookies.get("inbox_session");
    await b.get("/dashboard/endpoints");
    const out = await b.post("/dashboard/sign-out", {});
    expect(out.status).toBe(303);
    expect(out.location).toBe("/dashboard/sign-in?notice=signed-out");
    expect(b.cookies.has("inbox_session")).toBe(false);
    expect((await b.get(out.location ?? "")).text).toContain("You are signed out.");
    const replay = new BrowserClient(h.app);
    replay.cookies.set("inbox_session", stolen ?? "");
    const res = await replay.get("/dashboard/endpoints");
    expect(res.status).toBe(303);
    expect(res.location).toBe("/dashboard/sign-in?notice=session-ended");
  });

  test("without a session, pages send the browser to sign in", async () => {
    const b = new BrowserClient(h.app);
    const res = await b.get("/dashboard/endpoints");
    expect(res.status).toBe(303);
    expect(res.location).toBe("/dashboard/sign-in");
    expect((await b.get("/dashboard")).location).toBe("/dashboard/sign-in");
  });
});

describe("GET /", () => {
  test("redirects to /dashboard", async () => {
    const res = await h.app.handle(new Request("http://localhost/"));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/dashboard");
  });
});

describe("portal links", () => {
  test("a link opens a session for its account once, with a meta refresh to the endpoints", async () => {
    const account = await h.newAccount("portal-co");
    const link = await h.call("POST", `/v1/accounts/${account.id}/portal-links`, {
      key: ADMIN_KEY,
      body: {},
    });
    expect(link.status).toBe(201);
    const path = new URL(link.json.url).pathname;
    const b = new BrowserClient(h.app);
    const opened = await b.get(path);
    expect(opened.status).toBe(200);
    expect(opened.text).toContain('<meta http-equiv="refresh" content="0; url=/dashboard/endpoints">');
    expect(opened.text).toContain('href="/dashboard/endpoints"');
    expect(b.cookies.has("inbox_session")).toBe(true);
    const endpoints = await b.get("/dashboard/endpoints");
    expect(endpoints.status).toBe(200);
    expect(endpoints.text).toContain(`Account ${account.id}`);

    const again = new BrowserClient(h.app);
    const second = await again.get(path);
    expect(second.status).toBe(404);
    expect(second.text).toContain(
      '<div class="alert" role="alert"><p>This portal link has expired or has already been used:',
    );
    const unknown = await new BrowserClient(h.app).get("/dashboard/portal/not-a-link");
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('role="alert"><p>This portal link has expired');
    expect(again.cookies.has("inbox_session")).toBe(false);
  });

  test("portal pages may be framed by INBOX_PORTAL_FRAME_ANCESTORS; admin pages never", async () => {
    const framed = await createHarness({ portalFrameAncestors: ["https://app.example.com"] });
    try {
      const b = new BrowserClient(framed.app);
      await b.signIn(framed.defaultKey);
      const page = await b.get("/dashboard/endpoints");
      expect(page.headers.get("content-security-policy")).toContain(
        "frame-ancestors https://app.example.com",
      );
      expect(page.headers.get("x-frame-options")).toBeNull();
      const admin = new BrowserClient(framed.app);
      await admin.signIn(ADMIN_KEY);
      const adminPage = await admin.get("/dashboard/endpoints");
      expect(adminPage.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(adminPage.headers.get("x-frame-options")).toBe("DENY");
    } finally {
      await framed.close();
    }
  });
});

describe("sign-in rate limit", () => {
  test("an address is refused with 429 and the seconds to wait after 10 attempts; others still get in", async () => {
    const b = new BrowserClient(h.app);
    await b.get("/dashboard/sign-in");
    const from = { "x-forwarded-for": "203.0.113.9" };
    for (let i = 0; i < 10; i++) {
      expect((await b.post("/dashboard/sign-in", { key: "ik_wrong" }, from)).status).toBe(401);
    }
    const refused = await b.post("/dashboard/sign-in", { key: h.defaultKey }, from);
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get("retry-after"));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(300);
    expect(refused.text).toContain(`Too many sign-in attempts. Try again in ${wait} seconds.`);
    expect(b.cookies.has("inbox_session")).toBe(false);
    const other = await b.post(
      "/dashboard/sign-in",
      { key: h.defaultKey },
      { "x-forwarded-for": "198.51.100.7" },
    );
    expect(other.status).toBe(303);
  });
});

describe("shutting down", () => {
  test("dashboard pages answer a 503 page while the server shuts down", async () => {
    h.shuttingDown.value = true;
    try {
      const res = await h.app.handle(new Request("http://localhost/dashboard/sign-in"));
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(res.headers.get("retry-after")).toBe("5");
      expect(await res.text()).toContain("The server is shutting down.");
    } finally {
      h.shuttingDown.value = false;
    }
  });
});
