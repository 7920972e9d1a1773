import { describe, expect, test } from "bun:test";
import { html, raw } from "../html";
import { accountCreatedPage, accountsPage, problemsAlert } from "./accounts";

const csrfField = raw('<input type="hidden" name="csrf" value="tok">');
const account = { id: "acct_1", name: "Acme <Corp>", created_at: Date.UTC(2026, 11, 3, 17, 1, 5) };

describe("accountsPage", () => {
  test("lists accounts with a link, id and creation time, names escaped", () => {
    const page = accountsPage({ accounts: [account], nextCursor: null, paged: false, csrfField }).text;
    expect(page).toContain("<h1>Accounts</h1>");
    expect(page).toContain('<a href="/dashboard/accounts/acct_1">Acme &lt;Corp&gt;</a>');
    expect(page).toContain("<code>acct_1</code>");
    expect(page).toContain("2026-12-03 17:01:05 UTC");
    expect(page).not.toContain("Next page");
    expect(page).toContain('<label for="account-name">Account name</label>');
    expect(page).toContain('<button type="submit">Create account</button>');
    expect(page).toContain('name="csrf" value="tok"');
    expect(page).toContain(">Operator webhooks</a>");
  });

  test("a next page link carries the cursor, a later page links back to the first", () => {
    const page = accountsPage({ accounts: [account], nextCursor: "c/1+2", paged: true, csrfField }).text;
    expect(page).toContain('href="/dashboard/accounts?cursor=c%2F1%2B2">Next page</a>');
    expect(page).toContain('href="/dashboard/accounts">First page</a>');
  });

  test("no accounts says so; problems are an alert; the typed name is kept", () => {
    const page = accountsPage({
      accounts: [],
      nextCursor: null,
      paged: false,
      csrfField,
      name: '"x"',
      problems: ["Enter an account name."],
    }).text;
    expect(page).toContain("No accounts yet");
    expect(page).toContain('<div role="alert" class="error"><p>Enter an account name.</p></div>');
    expect(page).toContain('value="&quot;x&quot;"');
  });
});

test("problemsAlert lists several problems, renders nothing for none", () => {
  expect(problemsAlert(["a", "b"]).text).toBe(
    '<div role="alert" class="error"><ul><li>a</li><li>b</li></ul></div>',
  );
  expect(problemsAlert([]).text).toBe(html``.text);
});

test("accountCreatedPage shows the key once in a readonly input with a warning and a copy button", () => {
  const page = accountCreatedPage({ account, apiKey: "ik_secret", keyPrefix: "ik_secr" }).text;
  expect(page).toContain('<label for="new-api-key">New API key</label>');
  expect(page).toMatch(/<input id="new-api-key" type="text" readonly value="ik_secret"/);
  expect(page).toContain('data-copy="new-api-key"');
  expect(page).toContain("shown only on this page");
  expect(page).toContain('href="/dashboard/accounts/acct_1"');
});
