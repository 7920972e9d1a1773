// One account, for the operator: its API keys (never the keys themselves, only their prefixes) with
// a "Revoke" button each, the "Issue key" form, "Create portal link", and the way to delete it.
// A new key or portal link appears once, on the answer to the POST that made it. Admin sessions only
// (GET/POST/DELETE /v1/accounts/:id..., POST /v1/accounts/:id/portal-links).

import type { AccountRecord, ApiKeyRecord } from "../../storage/records";
import { localInputValue, timeText } from "../components/times";
import { type Html, html } from "../html";
import { accountPath, noticeStatus, problemsAlert } from "./accounts";
import type { KeyFormValues } from "./key-form";
import { shownOnce } from "./shown-once";

export interface AccountView {
  account: AccountRecord;
  /** Newest first, revoked ones included, with last uses noted (KeysService.list). */
  keys: readonly ApiKeyRecord[];
  now: number;
  csrfField: Html;
  notice?: string;
  problems?: readonly string[];
  /** The issue-key form as last submitted (its problems are in `problems`). */
  keyForm?: KeyFormValues;
  /** A key just issued: shown once. */
  issued?: { apiKey: string; key: ApiKeyRecord };
  /** A portal link just created: shown once. */
  portalLink?: { url: string; expiresAt: number };
}

function keyState(key: ApiKeyRecord, now: number): string {
  if (key.revoked_at !== null) return `Revoked ${timeText(key.revoked_at)}`;
  const expires = key.expires_at ?? null;
  if (expires !== null && expires <= now) return "Expired";
  return "Active";
}

function revokeForm(accountId: string, key: ApiKeyRecord, csrfField: Html): Html {
  const action = `${accountPath(accountId)}/keys/${encodeURIComponent(key.id)}/revoke`;
  return html`<form method="post" action="${action}" data-confirm="Revoke the key ${key.prefix}…? Requests with it fail from now on.">
    ${csrfField}<button type="submit" class="danger">Revoke</button>
  </form>`;
}

function keyRow(view: AccountView, key: ApiKeyRecord): Html {
  const live = key.revoked_at === null;
  return html`<tr>
    <td>${key.name ?? html`<span class="muted">(no name)</span>`}</td>
    <td><code>${key.prefix}…</code></td>
    <td>${(key.scopes ?? ["publish", "manage"]).join(", ")}</td>
    <td>${timeText(key.created_at)}</td>
    <td>${key.last_used_at ? timeText(key.last_used_at) : "never"}</td>
    <td>${key.expires_at ? timeText(key.expires_at) : "never"}</td>
    <td>${keyState(key, view.now)}</td>
    <td>${live ? revokeForm(view.account.id, key, view.csrfField) : null}</td>
  </tr>`;
}

function keysTable(view: AccountView): Html {
  if (view.keys.length === 0) return html`<p>This account has no API keys: issue one below.</p>`;
  return html`<div class="table-wrap"><table>
    <caption>API keys, newest first (last use is written within a minute)</caption>
    <thead><tr>
      <th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th>
      <th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th>
      <th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th>
    </tr></thead>
    <tbody>${view.keys.map((key) => keyRow(view, key))}</tbody>
  </table></div>`;
}

function scopeBox(scope: "publish" | "manage", checked: boolean, hint: string): Html {
  return html`<div class="check">
    <input id="key-scope-${scope}" type="checkbox" name="scopes" value="${scope}" ${checked ? "checked" : ""} aria-describedby="key-scope-${scope}-hint">
    <label for="key-scope-${scope}">${scope}</label>
    <span id="key-scope-${scope}-hint" class="hint">${hint}</span>
  </div>`;
}

function issueKeyForm(view: AccountView): Html {
  const values = view.keyForm ?? { name: "", scopes: ["publish", "manage"], expires: "" };
  return html`<section aria-labelledby="issue-key">
  <h2 id="issue-key">Issue a key</h2>
  <form method="post" action="${accountPath(view.account.id)}/keys" class="stacked-form">
    ${view.csrfField}
    <label for="key-name">Key name</label>
    <input id="key-name" name="name" type="text" maxlength="100" value="${values.name}" aria-describedby="key-name-hint">
    <p id="key-name-hint" class="hint">Optional, to tell keys apart (up to 100 characters).</p>
    <fieldset>
      <legend>Scopes</legend>
      ${scopeBox("publish", values.scopes.includes("publish"), "send events and read the event types")}
      ${scopeBox("manage", values.scopes.includes("manage"), "everything else: endpoints, deliveries, keys, the dashboard")}
    </fieldset>
    <label for="key-expires">Expires</label>
    <input id="key-expires" name="expires" type="datetime-local" value="${values.expires}" min="${localInputValue(view.now).slice(0, 16)}" aria-describedby="key-expires-hint">
    <p id="key-expires-hint" class="hint">In UTC; leave empty for a key that never expires.</p>
    <button type="submit">Issue key</button>
  </form>
</section>`;
}

function issuedKey(issued: AccountView["issued"]): Html {
  if (!issued) return html``;
  return shownOnce({
    id: "new-api-key",
    label: "New API key",
    value: issued.apiKey,
    warning: `Copy this key now: it is shown only on this page, never again (the table shows only its prefix, ${issued.key.prefix}…).`,
  });
}

function portalLinkSection(view: AccountView): Html {
  const created = view.portalLink
    ? shownOnce({
        id: "portal-link",
        label: "Portal link",
        value: view.portalLink.url,
        warning: `This link opens a dashboard session for this account only. It works once, until ${timeText(view.portalLink.expiresAt)}; whoever opens it first is signed in as the account.`,
      })
    : null;
  return html`<section aria-labelledby="portal">
  <h2 id="portal">Customer portal</h2>
  <p>A portal link signs the account's people in to this dashboard (or your app's frame) without a key.</p>
  ${created}
  <form method="post" action="${accountPath(view.account.id)}/portal-links">
    ${view.csrfField}<button type="submit">Create portal link</button>
  </form>
</section>`;
}

export function accountPage(view: AccountView): Html {
  const { account } = view;
  return html`<p class="breadcrumb"><a href="/dashboard/accounts">Accounts</a></p>
<h1>${account.name}</h1>
<p>Account <code>${account.id}</code>, created ${timeText(account.created_at)}.</p>
${noticeStatus(view.notice)}
${problemsAlert(view.problems)}
${issuedKey(view.issued)}
<section aria-labelledby="keys">
  <h2 id="keys">API keys</h2>
  ${keysTable(view)}
</section>
${issueKeyForm(view)}
${portalLinkSection(view)}
<section aria-labelledby="danger">
  <h2 id="danger">Delete</h2>
  <p><a class="button danger" href="${accountPath(account.id)}/delete">Delete account</a></p>
</section>`;
}

export interface DeleteAccountView {
  account: AccountRecord;
  /** Keys not yet revoked. */
  liveKeys: number;
  retentionText: string;
  csrfField: Html;
}

/** The confirmation the delete button asks for, saying everything that goes with the account. */
export function deleteAccountPage(view: DeleteAccountView): Html {
  const { account } = view;
  const keys = view.liveKeys === 1 ? "its 1 API key" : `its ${view.liveKeys} API keys`;
  return html`<p class="breadcrumb"><a href="/dashboard/accounts">Accounts</a> › <a href="${accountPath(account.id)}">${account.name}</a></p>
<h1>Delete account ${account.name}?</h1>
<p>Deleting the account <strong>${account.name}</strong> (<code>${account.id}</code>) at once:</p>
<ul>
  <li>removes ${keys}: requests made with them fail from now on;</li>
  <li>removes its endpoints with their signing secrets, and stops their pending deliveries (no further attempts);</li>
  <li>ends its dashboard sessions, and its portal links stop working.</li>
</ul>
<p>Its past events and attempt records are no longer shown anywhere and are erased by retention (after ${view.retentionText}). This cannot be undone.</p>
<form method="post" action="${accountPath(account.id)}/delete">
  ${view.csrfField}
  <button type="submit" class="danger">Delete account</button>
  <a href="${accountPath(account.id)}">Cancel</a>
</form>`;
}
