// The entry points that need no page of their own: GET /dashboard (to the right start page for the
// session, or to sign-in) and GET /dashboard/portal/:token, the one-time customer portal link: it
// opens a session for the link's account, sets the cookie and moves on with a meta refresh (a
// same-origin navigation, so the browser sends a SameSite=Strict cookie with it), with a link for
// browsers that do not refresh. When the platform may frame the portal (INBOX_PORTAL_FRAME_ANCESTORS)
// over https, the cookie is SameSite=None; Secure; Partitioned (cookies.ts), which a browser keeps
// and sends inside the platform's cross-site iframe too.
// A link opened where a key's session is live is refused unused (see signedInWithKey); one opened
// over a portal session replaces and ends it.

import type { PublicContext } from "../context";
import { isSecureOrigin, portalCookieScope, SESSION_COOKIE, setCookie } from "../cookies";
import { csrfField } from "../csrf";
import { html } from "../html";
import { type DashboardResult, page, redirect } from "../results";
import type { Router } from "../router";
import { SIGN_IN_PATH } from "./sign-in";

const PORTAL_START = "/dashboard/endpoints";

export function entryRoutes(router: Router): void {
  router.publicGet("/dashboard", home).publicGet("/dashboard/portal/:token", openPortal);
}

async function home(ctx: PublicContext): Promise<DashboardResult> {
  const sessionId = ctx.cookies[SESSION_COOKIE];
  const resumed = sessionId ? await ctx.sessions.resume(sessionId) : undefined;
  if (!resumed) return redirect(SIGN_IN_PATH, { status: 302 });
  const start = resumed.principal.kind === "admin" ? "/dashboard/accounts" : "/dashboard/endpoints";
  return redirect(start, { status: 302 });
}

async function openPortal(ctx: PublicContext): Promise<DashboardResult> {
  const held = ctx.cookies[SESSION_COOKIE];
  const resumed = held ? await ctx.sessions.resume(held) : undefined;
  if (resumed?.session.origin === "key") return signedInWithKey(resumed.session.csrf_token);
  const opened = await ctx.sessions.openPortalLink(ctx.params.token ?? "");
  if (!opened) {
    return page("Portal link not valid", html`<h1>Portal link not valid</h1>`, {
      status: 404,
      error:
        "This portal link has expired or has already been used: each link opens the portal once, shortly after it is made. Ask for a new link.",
    });
  }
  // The cookie below replaces the browser's (portal) session, if any: end it too, so that it does not
  // live on server-side with nobody able to sign it out.
  if (held) await ctx.sessions.signOut(held);
  const maxAgeS = (opened.session.expires_at - ctx.now) / 1000;
  // Embeddable (SameSite=None; Secure; Partitioned) when the platform may frame the portal over https.
  const scope = portalCookieScope(ctx.config.portalFrameAncestors, ctx.origin);
  const cookie = setCookie(SESSION_COOKIE, opened.sessionId, isSecureOrigin(ctx.origin), maxAgeS, scope);
  return page(
    "Opening the portal",
    html`<h1>Opening the portal…</h1>
<p><a href="${PORTAL_START}">Continue to your endpoints</a></p>`,
    { cookies: [cookie], head: html`<meta http-equiv="refresh" content="0; url=${PORTAL_START}">` },
  );
}

/**
 * The answer to a link opened where someone is signed in with a key (the operator, a customer).
 * A link is a bearer credential that anyone may plant on anyone (login CSRF): swapping that
 * session for the link's account without a word would have them act, unaware, in an account that is
 * not theirs. The link is not used, so it still works after signing out or in another browser.
 */
function signedInWithKey(csrfToken: string): DashboardResult {
  return page(
    "Already signed in",
    html`<h1>Already signed in</h1>
<p>A portal link opens the dashboard as the account it was made for. To open it here, sign out first and
then open the link again; or open it in a private window or another browser. The link has not been used.</p>
<form method="post" action="/dashboard/sign-out">${csrfField(csrfToken)}<button type="submit">Sign out</button></form>
<p><a href="/dashboard">Back to the dashboard</a></p>`,
    {
      status: 409,
      error: "You are already signed in with a key in this browser, so this portal link was not opened.",
    },
  );
}
