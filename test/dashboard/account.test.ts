// One account's operator pages in-process (issue 12 item 5): issuing keys (validation in words, the
// key shown once), revoking, a portal link that opens the account's session once, and deleting the
// account after a confirmation page, which ends what it says.

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { ADMIN_KEY, createHarness, type Harness } from "../http/harness";
import { BrowserClient } from "./browser-client";

let h: Harness;
let admin: BrowserClient;
let account: { id: string; key: string };
let path: string;

beforeAll(async () => {
  h = await createHarness();
  admin = new BrowserClient(h.app);
  expect((await admin.signIn(ADMIN_KEY)).status).toBe(303);
});

afterAll(async () => {
  await h.close();
});

beforeEach(async () => {
  account = await h.newAccount("Globex");
  path = `/dashboard/accounts/${account.id}`;
});

function inputValue(text: string, id: string): string | undefined {
  return new RegExp(`<input id="${id}" type="text" readonly value="([^"]*)"`).exec(text)?.[1];
}

async function keysOf(accountId: string) {
  return (await h.call("GET", `/v1/accounts/${accountId}/keys`, { key: ADMIN_KEY })).json.data as {
    id: string;
    name: string | null;
    prefix: string;
    scopes: string[];
    expires_at: string | null;
    revoked_at: string | null;
  }[];
}

describe("the account page", () => {
  test("shows its keys with their figures and the forms; an account session gets 403", async () => {
    const page = await admin.get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain("<h1>Globex</h1>");
    expect(page.text).toContain(`<code>${account.key.slice(0, 11)}…</code>`);
    expect(page.text).toContain("publish, manage");
    expect(page.text).toContain(">Revoke</button>");
    for (const label of ["Key name", "Expires"]) expect(page.text).toContain(`>${label}</label>`);
    expect(page.text).toContain('value="publish" checked>publish</label>');
    expect(page.text).toContain('value="manage" checked>manage</label>');
    expect(page.text).toContain(">Issue key</button>");
    expect(page.text).toContain(">Create portal link</button>");
    expect(page.text).toContain(`href="${path}/delete">Delete account</a>`);
    expect(page.text).not.toContain(account.key);

    const customer = new BrowserClient(h.app);
    await customer.signIn(account.key);
    for (const p of [path, `${path}/delete`]) {
      const refused = await customer.get(p);
      expect(refused.status).toBe(403);
      expect(refused.text).toContain("Only the operator");
    }
    await customer.get("/dashboard/endpoints");
    expect((await customer.post(`${path}/keys`, { scopes: "manage" })).status).toBe(403);
    expect((await customer.post(`${path}/portal-links`, {})).status).toBe(403);
    expect((await customer.post(`${path}/delete`, {})).status).toBe(403);
    expect(await keysOf(account.id)).toHaveLength(1);
  });

  test("an unknown account is a 404 page in words", async () => {
    const page = await admin.get("/dashboard/accounts/acct_nope");
    expect(page.status).toBe(404);
    expect(page.text).toContain('role="alert"');
    expect(page.text).toContain("It does not exist");
  });
});

describe("Issue key", () => {
  test("problems in words: no scope, a garbled expiry, a past expiry; nothing issued, the form kept", async () => {
    await admin.get(path);
    const noScope = await admin.post(`${path}/keys`, { name: "ci", expires: "" });
    expect(noScope.status).toBe(422);
    expect(noScope.text).toContain('role="alert"');
    expect(noScope.text).toContain("Tick at least one scope");
    expect(noScope.text).toContain('id="key-name" name="name" type="text" maxlength="100" value="ci"');

    const garbled = await admin.post(`${path}/keys`, { name: "ci", scopes: "publish", expires: "next week" });
    expect(garbled.status).toBe(422);
    expect(garbled.text).toContain("Expires must be a date and time (UTC)");

    const past = await admin.post(`${path}/keys`, { scopes: "publish", expires: "2020-01-01T00:00" });
    expect(past.status).toBe(422);
    expect(past.text).toContain("Expires must be in the future.");
    expect(past.text).toContain('value="2020-01-01T00:00"');

    const long = await admin.post(`${path}/keys`, { name: "n".repeat(101), scopes: "publish" });
    expect(long.status).toBe(422);
    expect(long.text).toContain("at most 100 characters");
    expect(await keysOf(account.id)).toHaveLength(1);
  });

  test("issues a named, scoped, expiring key, shows it once, and it works as scoped", async () => {
    await admin.get(path);
    const issued = await admin.post(`${path}/keys`, {
      name: "billing",
      scopes: "publish",
      expires: "2099-01-15T09:30",
    });
    expect(issued.status).toBe(200);
    expect(issued.headers.get("cache-control")).toBe("no-store");
    expect(issued.text).toContain("The key was issued.");
    const key = inputValue(issued.text, "new-api-key") as string;
    expect(key).toMatch(/^ik_[A-Za-z0-9_-]{43}$/);
    const stored = (await keysOf(account.id)).find((k) => k.name === "billing");
    expect(stored).toMatchObject({
      scopes: ["publish"],
      expires_at: "2099-01-15T09:30:00Z",
      revoked_at: null,
    });
    // publish only: the catalog answers, managing webhooks is refused.
    expect((await h.call("GET", "/v1/event-types", { key })).status).toBe(200);
    expect((await h.call("GET", "/v1/webhooks", { key })).status).toBe(403);
    // Reloading the account (a GET) no longer has it.
    const reload = await admin.get(path);
    expect(reload.text).not.toContain(key);
    expect(reload.text).toContain(`<code>${key.slice(0, 11)}…</code>`);
    expect(reload.text).toContain("2099-01-15 09:30:00 UTC");
  });
});

describe("Revoke", () => {
  test("revokes at once (its dashboard session ends too), says so, and a second click says it was already revoked", async () => {
    const [first] = await keysOf(account.id);
    const customer = new BrowserClient(h.app);
    await customer.signIn(account.key);
    expect((await customer.get("/dashboard/endpoints")).status).toBe(200);
    await admin.get(path);
    const revoked = await admin.post(`${path}/keys/${first?.id}/revoke`, {});
    expect(revoked.status).toBe(303);
    expect(revoked.location).toBe(path);
    const after = await admin.get(path);
    expect(after.text).toContain('role="status"');
    expect(after.text).toContain(`The key ${account.key.slice(0, 11)}… was revoked`);
    expect(after.text).toContain("Revoked</span>");
    expect(after.text).not.toContain(">Revoke</button>");
    expect((await h.call("GET", "/v1/webhooks", { key: account.key })).status).toBe(401);
    const ended = await customer.get("/dashboard/endpoints");
    expect(ended.status).toBe(303);
    expect(ended.location).toStartWith("/dashboard/sign-in");

    const again = await admin.post(`${path}/keys/${first?.id}/revoke`, {});
    expect(again.status).toBe(303);
    expect((await admin.get(path)).text).toContain("was already revoked");
    const unknown = await admin.post(`${path}/keys/key_nope/revoke`, {});
    expect(unknown.status).toBe(404);
  });

  test("refused without the form's CSRF token, and the key still works", async () => {
    const [first] = await keysOf(account.id);
    await admin.get(path);
    const forged = await admin.post(`${path}/keys/${first?.id}/revoke`, { csrf: "" });
    expect(forged.status).toBe(403);
    expect((await h.call("GET", "/v1/webhooks", { key: account.key })).status).toBe(200);
  });
});

describe("Create portal link", () => {
  test("a one-time link that opens a session for that account only", async () => {
    await admin.get(path);
    const created = await admin.post(`${path}/portal-links`, {});
    expect(created.status).toBe(200);
    expect(created.text).toContain('<label for="portal-link">Portal link</label>');
    const link = inputValue(created.text, "portal-link") as string;
    expect(link).toStartWith("http://localhost/dashboard/portal/");
    expect(created.text).toMatch(/Works once, until \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);

    const visitor = new BrowserClient(h.app);
    const opened = await visitor.get(new URL(link).pathname);
    expect(opened.status).toBe(200);
    expect(visitor.cookies.has("inbox_session")).toBe(true);
    const home = await visitor.get("/dashboard");
    expect(home.location).toBe("/dashboard/endpoints");
    expect((await visitor.get("/dashboard/endpoints")).status).toBe(200);
    expect((await visitor.get("/dashboard/accounts")).status).toBe(403);

    const late = new BrowserClient(h.app);
    const second = await late.get(new URL(link).pathname);
    expect(second.status).toBe(404);
    expect(late.cookies.has("inbox_session")).toBe(false);
    // Reloading the account page does not show the link again.
    expect((await admin.get(path)).text).not.toContain(link);
  });

  test("the lifetime chosen is the link's; one outside the API's bounds is refused in words", async () => {
    await admin.get(path);
    expect((await admin.get(path)).text).toContain('<label for="portal-lifetime">Valid for</label>');
    const before = Date.now();
    const hour = await admin.post(`${path}/portal-links`, { lifetime: "3600" });
    expect(hour.status).toBe(200);
    const until = /Works once, until (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC/.exec(hour.text);
    const expiresAt = Date.parse(`${until?.[1]}T${until?.[2]}Z`);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3_600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    const refused = await admin.post(`${path}/portal-links`, { lifetime: "86400" });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain("30 seconds to 1 hour");
    expect(refused.text).not.toContain("/dashboard/portal/");
  });

  test("for an unknown account: 404, no link", async () => {
    await admin.get(path);
    const refused = await admin.post("/dashboard/accounts/acct_nope/portal-links", {});
    expect(refused.status).toBe(404);
    expect(refused.text).not.toContain("/dashboard/portal/");
  });
});

describe("Delete account", () => {
  test("asks first, saying what goes; then deletes, ends its sessions, keys and portal links", async () => {
    const customer = new BrowserClient(h.app);
    await customer.signIn(account.key);
    expect((await customer.get("/dashboard/endpoints")).status).toBe(200);
    await admin.get(path);
    const linkPage = await admin.post(`${path}/portal-links`, {});
    const unused = new URL(inputValue(linkPage.text, "portal-link") as string).pathname;
    const portal = new BrowserClient(h.app);
    await portal.get(
      new URL(inputValue((await admin.post(`${path}/portal-links`, {})).text, "portal-link") as string)
        .pathname,
    );
    expect((await portal.get("/dashboard/endpoints")).status).toBe(200);

    const confirm = await admin.get(`${path}/delete`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain("<h1>Delete account Globex?</h1>");
    expect(confirm.text).toContain("its 1 API key: requests made with it fail from now on");
    expect(confirm.text).toContain("endpoints and their signing secrets");
    expect(confirm.text).toContain("ends its dashboard sessions");
    expect(confirm.text).toContain("after 30 days");
    expect(confirm.text).toContain(">Delete account</button>");
    expect((await h.call("GET", `/v1/accounts/${account.id}`, { key: ADMIN_KEY })).status).toBe(200);

    const deleted = await admin.post(`${path}/delete`, {});
    expect(deleted.status).toBe(303);
    expect(deleted.location).toBe("/dashboard/accounts");
    const list = await admin.get("/dashboard/accounts");
    expect(list.text).toContain("Account Globex was deleted.");
    expect((await h.call("GET", `/v1/accounts/${account.id}`, { key: ADMIN_KEY })).status).toBe(404);
    expect((await h.call("GET", "/v1/webhooks", { key: account.key })).status).toBe(401);
    for (const session of [customer, portal]) {
      const ended = await session.get("/dashboard/endpoints");
      expect(ended.status).toBe(303);
      expect(ended.location).toStartWith("/dashboard/sign-in");
    }
    const late = new BrowserClient(h.app);
    expect((await late.get(unused)).status).toBe(404);
    expect(late.cookies.has("inbox_session")).toBe(false);

    expect((await admin.get(`${path}/delete`)).status).toBe(404);
    await admin.get("/dashboard/accounts");
    expect((await admin.post(`${path}/delete`, {})).status).toBe(404);
  });
});
