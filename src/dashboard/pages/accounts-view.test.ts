import { describe, expect, test } from "bun:test";
import { raw } from "../html";
import { accountCreatedBody, accountsBody } from "./accounts-view";

const csrf = raw('<input type="hidden" name="csrf" value="tok">');
const account = { id: "acct_1", name: "Acme <Corp>", created_at: Date.UTC(2026, 11, 3, 17, 1, 5) };

describe("accountsPage", () => {
  test("lists accounts with a link, id and creation time, names escaped", () => {
    const page = accountsBody({ accounts: [account], nextCursor: null, paged: false, csrf }).text;
    expect(page).toContain("<h1>Accounts</h1>");
    expect(page).toContain('<a href="/dashboard/accounts/acct_1">Acme &lt;Corp&gt;</a>');
    expect(page).toContain("<code>acct_1</code>");
    expect(page).toContain("2026-12-03 17:01:05 UTC");
    expect(page).not.toContain("Next page");
    expect(page).toContain('<label for="account-name">Account name</label>');
    expect(page).toContain('<button type="submit" class="primary">Create account</button>');
    expect(page).toContain('name="csrf" value="tok"');
    expect(page).toContain(">Operator webhooks</a>");
  });

  test("a next page link carries the cursor, a later page links back to the first", () => {
    const page = accountsBody({ accounts: [account], nextCursor: "c/1+2", paged: true, csrf }).text;
    expect(page).toContain('href="/dashboard/accounts?cursor=c%2F1%2B2">Next page</a>');
    expect(page).toContain('href="/dashboard/accounts">First page</a>');
  });

  test("no accounts says so; a refused name is kept and marked invalid", () => {
    const page = accountsBody({
      accounts: [],
      nextCursor: null,
      paged: false,
      csrf,
      name: '"x"',
      nameRefused: true,
    }).text;
    expect(page).toContain("No accounts yet");
    expect(page).toContain('aria-invalid="true"');
    expect(page).toContain('value="&quot;x&quot;"');
  });
});

test("accountCreatedPage shows the key once in a readonly input with a warning and a copy button", () => {
  const page = accountCreatedBody({ account, apiKey: "ik_secret", keyPrefix: "ik_secr" }).text;
  expect(page).toContain('<label for="new-api-key">New API key</label>');
  expect(page).toMatch(/<input id="new-api-key" type="text" readonly value="ik_secret" data-copy/);
  expect(page).toContain("shown on this page only");
  expect(page).toContain('href="/dashboard/accounts/acct_1"');
});
