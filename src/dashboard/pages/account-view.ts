// One account, for the operator: its API keys (never the keys, only their prefixes) with a "Revoke"
// button each, the "Issue key" form, "Create portal link", the way to delete it, and the page that
// confirms the deletion. A new key or portal link appears once, on the answer to the POST that made
// it. Pure rendering; the routes are ./account.ts. Notices and errors are the layout's.

import type { AccountRecord, ApiKeyRecord, KeyScope } from "../../storage/records";
import { timeText } from "../components/times";
import { type Html, html } from "../html";
import { accountPath } from "./accounts-view";
import { KEY_NAME_MAX, type KeyFormValues, PORTAL_LIFETIMES_S } from "./key-form";
import { shownOnce } from "./shown-once";

export interface AccountView {
  account: AccountRecord;
  /** Newest first, revoked ones included, with last uses noted (KeysService.list). */
  keys: readonly ApiKeyRecord[];
  now: number;
  csrf: Html;
  /** The issue-key form as last submitted, when it was refused. */
  keyForm?: KeyFormValues;
  /** A key just issued: shown once. */
  issued?: { apiKey: string; key: ApiKeyRecord };
  /** A portal link just created: shown once. */
  portalLink?: { url: string; expiresAt: number };
}

function keyState(key: ApiKeyRecord, now: number): Html {
  if (key.revoked_at !== null)
    return html`<span class="badge idle">Revoked</span> ${timeText(key.revoked_at)}`;
  const expires = key.expires_at ?? null;
  if (expires !== null && expires <= now) return html`<span class="badge warn">Expired</span>`;
  return html`<span class="badge ok">Active</span>`;
}

function revokeForm(accountId: string, key: ApiKeyRecord, csrf: Html): Html {
  const action = `${accountPath(accountId)}/keys/${encodeURIComponent(key.id)}/revoke`;
  return html`<form method="post" action="${action}">${csrf}<button type="submit" class="danger">Revoke</button></form>`;
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
    <td>${live ? revokeForm(view.account.id, key, view.csrf) : null}</td>
  </tr>`;
}

function keysTable(view: AccountView): Html {
  if (view.keys.length === 0) return html`<p>This account has no API keys: issue one below.</p>`;
  // Labelled by the section's heading: a visually hidden caption or header cell (position: absolute)
  // would escape the scrolling wrapper and widen the page at 390 px.
  return html`<div class="table-wrap"><table aria-labelledby="keys">
    <thead><tr>
      <th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th>
      <th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th>
      <th scope="col">State</th><th scope="col">Action</th>
    </tr></thead>
    <tbody>${view.keys.map((key) => keyRow(view, key))}</tbody>
  </table></div>
  <p class="hint">Last use is written within a minute. A revoked key fails at once.</p>`;
}

function scopeBox(scope: KeyScope, checked: boolean): Html {
  return html`<label class="check"><input type="checkbox" name="scopes" value="${scope}"${checked ? html` checked` : null}>${scope}</label>`;
}

function issueKeyForm(view: AccountView): Html {
  const values = view.keyForm ?? { name: "", scopes: ["publish", "manage"], expires: "" };
  return html`<section class="panel" aria-labelledby="issue-key">
  <h2 id="issue-key">Issue a key</h2>
  <form method="post" action="${accountPath(view.account.id)}/keys" class="stack">
    ${view.csrf}
    <div>
      <label for="key-name">Key name</label>
      <input id="key-name" name="name" type="text" maxlength="${KEY_NAME_MAX}" value="${values.name}" aria-describedby="key-name-hint">
      <p id="key-name-hint" class="hint">Optional, to tell keys apart (up to ${KEY_NAME_MAX} characters).</p>
    </div>
    <fieldset aria-describedby="key-scopes-hint">
      <legend>Scopes</legend>
      <div class="checks">
        ${scopeBox("publish", values.scopes.includes("publish"))}
        ${scopeBox("manage", values.scopes.includes("manage"))}
      </div>
      <p id="key-scopes-hint" class="hint">publish: send events and read the event types. manage: everything else (endpoints, deliveries, keys, signing in to this dashboard).</p>
    </fieldset>
    <div>
      <label for="key-expires">Expires</label>
      <input id="key-expires" name="expires" type="datetime-local" value="${values.expires}" aria-describedby="key-expires-hint">
      <p id="key-expires-hint" class="hint">In UTC. Leave empty for a key that never expires.</p>
    </div>
    <div><button type="submit" class="primary">Issue key</button></div>
  </form>
</section>`;
}

function issuedKey(issued: AccountView["issued"]): Html {
  if (!issued) return html``;
  return html`<section class="panel" aria-labelledby="issued-key">
  <h2 id="issued-key">New key${issued.key.name ? html`: ${issued.key.name}` : null}</h2>
  ${shownOnce({
    id: "new-api-key",
    label: "New API key",
    value: issued.apiKey,
    warning: `Copy this key now: it is shown on this page only, never again (the table shows only its prefix, ${issued.key.prefix}…).`,
  })}
</section>`;
}

function portalLinkSection(view: AccountView): Html {
  const created = view.portalLink
    ? shownOnce({
        id: "portal-link",
        label: "Portal link",
        value: view.portalLink.url,
        warning: `Works once, until ${timeText(view.portalLink.expiresAt)}: whoever opens it first is signed in to this dashboard as this account (and only this account). Shown on this page only.`,
      })
    : null;
  return html`<section class="panel" aria-labelledby="portal">
  <h2 id="portal">Customer portal</h2>
  <p>A portal link signs the account's people in to this dashboard, or to your app's frame, without a key.</p>
  ${created}
  <form method="post" action="${accountPath(view.account.id)}/portal-links" class="inline-form">
    ${view.csrf}
    <label for="portal-lifetime">Valid for</label>
    <select id="portal-lifetime" name="lifetime">
      ${PORTAL_LIFETIMES_S.map(([seconds, text]) => html`<option value="${seconds}">${text}</option>`)}
    </select>
    <button type="submit">Create portal link</button>
  </form>
</section>`;
}

export function accountBody(view: AccountView): Html {
  const { account } = view;
  return html`<p><a href="/dashboard/accounts">Accounts</a> ›</p>
<div class="page-head"><h1>${account.name}</h1></div>
<p>Account <code>${account.id}</code>, created ${timeText(account.created_at)}.</p>
${issuedKey(view.issued)}
<section class="panel" aria-labelledby="keys">
  <h2 id="keys">API keys</h2>
  ${keysTable(view)}
</section>
${issueKeyForm(view)}
${portalLinkSection(view)}
<section class="panel" aria-labelledby="delete">
  <h2 id="delete">Delete the account</h2>
  <p><a class="button danger" href="${accountPath(account.id)}/delete">Delete account</a></p>
</section>`;
}

export interface DeleteAccountView {
  account: AccountRecord;
  /** Keys not yet revoked. */
  liveKeys: number;
  /** How long retention keeps records ("30 days"). */
  retention: string;
  csrf: Html;
}

/** The confirmation the delete link leads to, saying everything that goes with the account. */
export function deleteAccountBody(view: DeleteAccountView): Html {
  const { account } = view;
  const keys =
    view.liveKeys === 1
      ? "its 1 API key: requests made with it fail"
      : `its ${view.liveKeys} API keys: requests made with them fail`;
  return html`<p><a href="/dashboard/accounts">Accounts</a> › <a href="${accountPath(account.id)}">${account.name}</a> ›</p>
<h1>Delete account ${account.name}?</h1>
<section class="panel">
<p>Deleting the account <strong>${account.name}</strong> (<code>${account.id}</code>), at once:</p>
<ul>
  <li>removes ${keys} from now on;</li>
  <li>removes its endpoints and their signing secrets, and stops their pending deliveries (no further attempts);</li>
  <li>ends its dashboard sessions; its portal links no longer work.</li>
</ul>
<p>Its past events and attempt records are no longer shown to anyone and are erased by retention (after ${view.retention}). This cannot be undone.</p>
<form method="post" action="${accountPath(account.id)}/delete" class="actions">
  ${view.csrf}
  <button type="submit" class="danger primary">Delete account</button>
  <a class="button" href="${accountPath(account.id)}">Cancel</a>
</form>
</section>`;
}
