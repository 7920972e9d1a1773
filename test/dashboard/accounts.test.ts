// The operator's accounts pages in-process (issue 12 item 5): the list, creating an account (its
// first key shown once), validation in words, pagination, and the 403 an account session gets.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ACCOUNTS_PAGE_LIMIT } from "../../src/dashboard/pages/accounts";
import { ADMIN_KEY, createHarness, type Harness } from "../http/harness";
import { BrowserClient } from "./browser-client";

let h: Harness;
let admin: BrowserClient;
let customer: BrowserClient;

beforeAll(async () => {
  h = await createHarness();
  admin = new BrowserClient(h.app);
  expect((await admin.signIn(ADMIN_KEY)).status).toBe(303);
  customer = new BrowserClient(h.app);
  expect((await customer.signIn(h.defaultKey)).status).toBe(303);
});

afterAll(async () => {
  await h.close();
});

/** The value of the readonly input with `id` on `text`. */
function inputValue(text: string, id: string): string | undefined {
  return new RegExp(`<input id="${id}" type="text" readonly value="([^"]*)"`).exec(text)?.[1];
}

async function accountCount(): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const res = await h.call("GET", `/v1/accounts?limit=100${cursor ? `&cursor=${cursor}` : ""}`, {
      key: ADMIN_KEY,
    });
    count += res.json.data.length;
    cursor = res.json.next_cursor;
  } while (cursor);
  return count;
}

describe("GET /dashboard/accounts", () => {
  test("the admin session sees the accounts, the create form and the operator webhooks link", async () => {
    const page = await admin.get("/dashboard/accounts");
    expect(page.status).toBe(200);
    expect(page.text).toContain("<h1>Accounts</h1>");
    expect(page.text).toContain(`href="/dashboard/accounts/${h.defaultAccountId}">default</a>`);
    expect(page.text).toContain('<label for="account-name">Account name</label>');
    expect(page.text).toContain(">Create account</button>");
    expect(page.text).toContain('href="/dashboard/endpoints">Operator webhooks</a>');
    expect(page.text).toContain('href="/dashboard/system"');
  });

  test("an account session gets a 403 page in words, for the list and the form", async () => {
    const before = await accountCount();
    const page = await customer.get("/dashboard/accounts");
    expect(page.status).toBe(403);
    expect(page.text).toContain('role="alert"');
    expect(page.text).toContain("Only the operator");
    await customer.get("/dashboard/endpoints");
    const post = await customer.post("/dashboard/accounts", { name: "Sneaky" });
    expect(post.status).toBe(403);
    expect(await accountCount()).toBe(before);
  });

  test("a malformed page link says so", async () => {
    const page = await admin.get("/dashboard/accounts?cursor=not-a-cursor");
    expect(page.status).toBe(400);
    expect(page.text).toContain("Page link expired");
  });
});

describe("POST /dashboard/accounts", () => {
  test("an empty or too long name is refused in words, and nothing is created", async () => {
    const before = await accountCount();
    await admin.get("/dashboard/accounts");
    const empty = await admin.post("/dashboard/accounts", { name: "   " });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('role="alert"');
    expect(empty.text).toContain("Enter an account name.");
    expect(empty.text).toContain('aria-invalid="true"');
    const long = await admin.post("/dashboard/accounts", { name: "x".repeat(201) });
    expect(long.status).toBe(422);
    expect(long.text).toContain("at most 200 characters");
    expect(await accountCount()).toBe(before);
  });

  test("creates the account and shows its first key once; the key works; the account page never shows it", async () => {
    await admin.get("/dashboard/accounts");
    const created = await admin.post("/dashboard/accounts", { name: "Acme <Corp>" });
    expect(created.status).toBe(200);
    expect(created.headers.get("cache-control")).toBe("no-store");
    expect(created.text).toContain("<h1>Account created</h1>");
    expect(created.text).toContain("Acme &lt;Corp&gt;");
    expect(created.text).toContain('<label for="new-api-key">New API key</label>');
    const key = inputValue(created.text, "new-api-key");
    expect(key).toMatch(/^ik_[A-Za-z0-9_-]{43}$/);
    const accountId = /href="\/dashboard\/accounts\/(acct_[^"]+)">Go to the account/.exec(created.text)?.[1];
    expect(accountId).toBeDefined();

    const asAccount = await h.call("GET", "/v1/webhooks", { key: key as string });
    expect(asAccount.status).toBe(200);
    const stored = await h.call("GET", `/v1/accounts/${accountId}`, { key: ADMIN_KEY });
    expect(stored.json.name).toBe("Acme <Corp>");

    const again = await admin.get(`/dashboard/accounts/${accountId}`);
    expect(again.status).toBe(200);
    expect(again.text).not.toContain(key as string);
    expect(again.text).toContain(`${(key as string).slice(0, 11)}…`);
    const list = await admin.get("/dashboard/accounts");
    expect(list.text).not.toContain(key as string);
    expect(list.text).toContain("Acme &lt;Corp&gt;");
  });
});

test("the list pages with a cursor: Next page, then the rest, then a link back to the first", async () => {
  const total = await accountCount();
  for (let i = total; i <= ACCOUNTS_PAGE_LIMIT; i++) await h.newAccount(`bulk-${i}`);
  const all = await accountCount();
  expect(all).toBeGreaterThan(ACCOUNTS_PAGE_LIMIT);
  const first = await admin.get("/dashboard/accounts");
  const rows = (text: string) => text.match(/<tr>\s*<td><a href="\/dashboard\/accounts\//g)?.length ?? 0;
  expect(rows(first.text)).toBe(ACCOUNTS_PAGE_LIMIT);
  const next = /href="(\/dashboard\/accounts\?cursor=[^"]+)">Next page<\/a>/.exec(first.text)?.[1];
  expect(next).toBeDefined();
  const second = await admin.get((next as string).replaceAll("&amp;", "&"));
  expect(second.status).toBe(200);
  expect(rows(second.text)).toBe(all - ACCOUNTS_PAGE_LIMIT);
  expect(second.text).toContain('href="/dashboard/accounts">First page</a>');
  expect(second.text).not.toContain("Next page");
});

test("Operator webhooks: an admin session's endpoints are the operator's own, listed and made there", async () => {
  const operatorHook = await h.call("POST", "/v1/webhooks", {
    key: ADMIN_KEY,
    body: { url: "https://ops.example/operator-hook", events: ["webhook.disabled"] },
  });
  expect(operatorHook.status).toBe(201);
  const accountHook = await h.call("POST", "/v1/webhooks", {
    body: { url: "https://acme.example/account-hook", events: ["*"] },
  });
  expect(accountHook.status).toBe(201);
  const page = await admin.get("/dashboard/endpoints");
  expect(page.status).toBe(200);
  expect(page.text).toContain("https://ops.example/operator-hook");
  expect(page.text).not.toContain("https://acme.example/account-hook");

  // One made through the dashboard by the admin session is the operator's, offered the operational types.
  const form = await admin.get("/dashboard/endpoints/new");
  expect(form.text).toContain('value="delivery.failed"');
  const made = await admin.post("/dashboard/endpoints", {
    url: "https://ops.example/made-in-dashboard",
    events: "delivery.failed",
  });
  expect(made.status).toBeLessThan(400);
  const operators = (await h.call("GET", "/v1/webhooks", { key: ADMIN_KEY })).json.data as { url: string }[];
  expect(operators.map((w) => w.url)).toContain("https://ops.example/made-in-dashboard");
  const accounts = (await h.call("GET", "/v1/webhooks")).json.data as { url: string }[];
  expect(accounts.map((w) => w.url)).not.toContain("https://ops.example/made-in-dashboard");
});
