// The operator's accounts page: the accounts newest first, one cursor page at a time, the "Create
// account" form, and the answer to it, which shows the account's first key once. Pure rendering;
// the routes are ./accounts.ts. Notices and errors are the layout's (page options).

import type { AccountRecord } from "../../storage/records";
import { timeText } from "../components/times";
import { type Html, html } from "../html";
import { ACCOUNT_NAME_MAX } from "./key-form";
import { shownOnce } from "./shown-once";

export interface AccountsView {
  accounts: readonly AccountRecord[];
  nextCursor: string | null;
  /** Whether this is a later page (a link back to the first is offered). */
  paged: boolean;
  csrf: Html;
  /** The name typed last time, shown again beside its problem. */
  name?: string;
  /** Whether the name was refused (the field is marked invalid). */
  nameRefused?: boolean;
}

export function accountPath(id: string): string {
  return `/dashboard/accounts/${encodeURIComponent(id)}`;
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
  return html`<div class="table-wrap"><table aria-labelledby="all-accounts">
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

export function accountsBody(view: AccountsView): Html {
  const invalid = view.nameRefused ? html` aria-invalid="true"` : null;
  return html`<h1>Accounts</h1>
<section class="panel" aria-labelledby="new-account">
  <h2 id="new-account">New account</h2>
  <form method="post" action="/dashboard/accounts" class="inline-form">
    ${view.csrf}
    <label for="account-name">Account name</label>
    <input id="account-name" name="name" type="text" required maxlength="${ACCOUNT_NAME_MAX}" value="${view.name ?? ""}" aria-describedby="account-name-hint"${invalid}>
    <button type="submit" class="primary">Create account</button>
  </form>
  <p id="account-name-hint" class="hint">The account gets a first API key (publish and manage, no expiry), shown once on the next page.</p>
</section>
<section class="panel" aria-labelledby="all-accounts">
  <h2 id="all-accounts">All accounts</h2>
  ${accountsTable(view)}
  ${pager(view)}
</section>
<p>The operator's own webhooks, which receive the operational events (webhook.disabled, delivery.failed),
are this session's <a href="/dashboard/endpoints">Operator webhooks</a>.</p>`;
}

export interface AccountCreatedView {
  account: AccountRecord;
  apiKey: string;
  keyPrefix: string;
}

/** The answer to "Create account": the account and its first key, which no page shows again. */
export function accountCreatedBody(view: AccountCreatedView): Html {
  return html`<h1>Account created</h1>
<section class="panel" aria-labelledby="first-key">
  <h2 id="first-key">${view.account.name}: first API key</h2>
  <p>Account <code>${view.account.id}</code>. Its first key has both scopes (publish and manage) and no expiry.</p>
  ${shownOnce({
    id: "new-api-key",
    label: "New API key",
    value: view.apiKey,
    warning: `Copy this key now and hand it to the account's owner: it is shown on this page only, never again (other pages show only its prefix, ${view.keyPrefix}…).`,
  })}
</section>
<p><a href="${accountPath(view.account.id)}">Go to the account</a> to issue more keys or create a portal link,
or go <a href="/dashboard/accounts">back to the accounts</a>.</p>`;
}
