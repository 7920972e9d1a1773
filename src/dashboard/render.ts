// Turns what a handler answered (or the error it threw) into the HTTP response: pages into the
// layout, redirects with their notice cookie, and the security headers on every response.

import type { Principal } from "../domain/api-keys";
import { type CookieScope, isSecureOrigin } from "./cookies";
import { type ErrorView, issueField } from "./error-pages";
import { html } from "./html";
import { layout } from "./layout";
import { type Flash, noticeCookie, noticeShown } from "./notices";
import type { DashboardResult, PageResult, RedirectResult } from "./results";
import { applySecurityHeaders } from "./security-headers";

/** What rendering needs to know of the request and its session. */
export interface RenderState {
  version: string;
  path: string;
  origin: string;
  /** Origins that may frame the portal (INBOX_PORTAL_FRAME_ANCESTORS). */
  portalFrameAncestors: readonly string[];
  principal?: Principal;
  csrfToken?: string;
  /** The notice or alert read from this request's cookie (shown on a page, then cleared). */
  flash?: Flash;
  noticeCookiePresent: boolean;
  /** The scope of the session's cookies (the notice's): `embedded` for an embeddable portal session. */
  cookieScope: CookieScope;
  /** Set-Cookie values the shell adds (ending a stale session). */
  cookies: string[];
}

/** Admin pages are never framed; account (portal) pages by the configured origins only. */
function frameAncestors(state: RenderState): readonly string[] {
  return state.principal?.kind === "admin" ? [] : state.portalFrameAncestors;
}

export function toResponse(result: DashboardResult, state: RenderState): Response {
  const secure = isSecureOrigin(state.origin);
  if (result instanceof Response) {
    const response = new Response(result.body, result);
    applySecurityHeaders(response.headers, frameAncestors(state), !response.headers.has("cache-control"));
    return response;
  }
  const headers = new Headers();
  for (const cookie of [...state.cookies, ...(result.cookies ?? [])]) headers.append("set-cookie", cookie);
  applySecurityHeaders(headers, frameAncestors(state), true);
  if (result.kind === "redirect") {
    headers.set("location", result.location);
    const flash = flashOf(result);
    if (flash && state.csrfToken)
      headers.append("set-cookie", noticeCookie(flash, state.csrfToken, secure, state.cookieScope));
    return new Response(null, { status: result.status, headers });
  }
  if (state.noticeCookiePresent) headers.append("set-cookie", noticeShown(secure, state.cookieScope));
  for (const [name, value] of Object.entries(result.headers ?? {})) headers.set(name, value);
  headers.set("content-type", "text/html; charset=utf-8");
  return new Response(renderPage(result, state), { status: result.status ?? 200, headers });
}

/** What a redirect leaves for the next page: its alert, else its notice. */
function flashOf(result: RedirectResult): Flash | undefined {
  if (result.alert) return { kind: "alert", text: result.alert };
  return result.notice ? { kind: "notice", text: result.notice } : undefined;
}

function renderPage(result: PageResult, state: RenderState): string {
  return layout({
    title: result.title,
    body: result.body,
    principal: state.principal,
    csrfToken: state.csrfToken,
    path: state.path,
    notice: result.notice ?? (state.flash?.kind === "notice" ? state.flash.text : undefined),
    error: result.error ?? (state.flash?.kind === "alert" ? state.flash.text : undefined),
    scripts: result.scripts,
    head: result.head,
    version: state.version,
  });
}

/** The page for a failure, in the layout (with the nav when signed in). */
export function errorPage(view: ErrorView, state: RenderState): Response {
  const issues = view.issues?.length
    ? html`<ul>${view.issues.map((i) => html`<li><strong>${issueField(i)}</strong>: ${i.reason}</li>`)}</ul>`
    : "";
  const body = html`<h1>${view.title}</h1>
<div class="alert" role="alert"><p>${view.message}</p>${issues}</div>
<p><a href="/dashboard">Back to the dashboard</a></p>`;
  const response = toResponse({ kind: "page", title: view.title, body, status: view.status }, state);
  if (view.retryAfterS !== undefined) response.headers.set("retry-after", String(view.retryAfterS));
  return response;
}
