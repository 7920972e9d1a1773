// The operator's accounts page: the accounts newest first, a cursor page at a time (the service's
// page, never a scan), and the "Create account" form, whose answer shows the account's first key
// once. Admin sessions only (GET/POST /v1/accounts).

import type { AccountRecord } from "../../storage/records";
import { timeText } from "../components/times";
import { type Html, html } from "../html";
import { shownOnce } from "./shown-once";

export const ACCOUNTS_PAGE_LIMIT = 50;

export interface AccountsView {
  accounts: readonly AccountRecord[];
  nextCursor: string | null;
  /** Whether this is a later page (a link back to the first is offered). */
  paged: boolean;
  csrfField: Html;
  /** The name typed last time, shown again beside its problems. */
  name?: string;
  problems?: readonly string[];
  notice?: string;
}

export function accountPath(id: string): string {
  return `/dashboard/accounts/${encodeURIComponent(id)}`;
}

export function problemsAlert(problems: readonly string[] | undefined): Html {
  if (!problems || problems.length === 0) return html``;
  if (problems.length === 1) return html`<div role="alert" class="error"><p>${problems[0]}</p></div>`;
  return html`<div role="alert" class="error"><ul>${problems.map((p) => html`<li>${p}</li>`)}</ul></div>`;
}

export function noticeStatus(notice: string | undefined): Html {
  return notice ? html`<p role="status" class="notice">${notice}</p>` : html``;
}

function accountRows(accounts: readonly AccountRecord[]): Html {
  return html`${accounts.map(
    (a) => html`<tr>
      <td><a href="${accountPath(a.id)}">${a.name}</a></td>
      <td><code>${a.id}</code></td>
      <td>${timeText(a.created_at)}</td>
    </tr>`,
  )}`;
}

function accountsTable(view: AccountsView): Html {
  if (view.accounts.length === 0) {
    return html`<p>${view.paged ? "No more accounts." : "No accounts yet: create the first one above."}</p>`;
  }
  return html`<div class="table-wrap"><table>
    <caption>Accounts, newest first</caption>
    <thead><tr><th scope="col">Name</th><th scope="col">ID</th><th scope="col">Created</th></tr></thead>
    <tbody>${accountRows(view.accounts)}</tbody>
  </table></div>`;
}

function pager(view: AccountsView): Html {
  const next = view.nextCursor
    ? html`<a href="/dashboard/accounts?cursor=${encodeURIComponent(view.nextCursor)}">Next page</a>`
    : null;
  const first = view.paged ? html`<a href="/dashboard/accounts">First page</a>` : null;
  return next || first ? html`<nav class="pager" aria-label="Pages">${first} ${next}</nav>` : html``;
}

export function accountsPage(view: AccountsView): Html {
  return html`<h1>Accounts</h1>
${noticeStatus(view.notice)}
${problemsAlert(view.problems)}
<section aria-labelledby="new-account">
  <h2 id="new-account">New account</h2>
  <form method="post" action="/dashboard/accounts" class="inline-form">
    ${view.csrfField}
    <label for="account-name">Account name</label>
    <input id="account-name" name="name" type="text" required maxlength="200" value="${view.name ?? ""}">
    <button type="submit">Create account</button>
  </form>
  <p class="hint">The account gets a first API key (both scopes, no expiry), shown once on the next page.</p>
</section>
<section aria-labelledby="all-accounts">
  <h2 id="all-accounts">All accounts</h2>
  ${accountsTable(view)}
  ${pager(view)}
</section>
<p>The operator's own webhooks, which receive operational events (webhook.disabled, delivery.failed),
are the <a href="/dashboard/endpoints">Operator webhooks</a> of this admin session.</p>`;
}

export interface AccountCreatedView {
  account: AccountRecord;
  apiKey: string;
  keyPrefix: string;
}

/** The answer to "Create account": the account and its first key, which no page shows again. */
export function accountCreatedPage(view: AccountCreatedView): Html {
  return html`<h1>Account created</h1>
<p role="status" class="notice">Account ${view.account.name} (<code>${view.account.id}</code>) was created with a first API key.</p>
${shownOnce({
  id: "new-api-key",
  label: "New API key",
  value: view.apiKey,
  warning: `Copy this key now and hand it to the account's owner: it is shown only on this page, never again (later pages show only its prefix, ${view.keyPrefix}). It has both scopes, publish and manage, and no expiry.`,
})}
<p><a href="${accountPath(view.account.id)}">Go to the account</a> to issue more keys or create a portal link.
<a href="/dashboard/accounts">Back to accounts</a></p>`;
}
