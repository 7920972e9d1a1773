// Sign-in and sign-out. Signing in takes an account key with the manage scope (or the admin key)
// and opens a server-side session (services.sessions); the form is protected by a pre-session CSRF
// token (double submit: the inbox_csrf cookie and the hidden field must match) besides the Origin
// check every POST gets. Attempts are rate limited (../sign-in-limiter.ts); a wrong key is answered
// without saying which part is wrong.

import { clientAddress, clientNetwork } from "../../http/client-address";
import type { PublicContext } from "../context";
import {
  clearCookie,
  clearSessionCookies,
  isSecureOrigin,
  SESSION_COOKIE,
  SIGN_IN_CSRF_COOKIE,
  setCookie,
} from "../cookies";
import { CSRF_FIELD, csrfField, newCsrfToken, tokensMatch } from "../csrf";
import { html } from "../html";
import { type DashboardResult, type PageOptions, type PageResult, page, redirect } from "../results";
import type { Router } from "../router";
import type { SignInLimiter } from "../sign-in-limiter";

export const SIGN_IN_PATH = "/dashboard/sign-in";
/** The longest key field read; real keys are about 50 characters. */
const KEY_CHARS_MAX = 512;
/** The sign-in form's token lives as long as someone may take to paste a key. */
const SIGN_IN_CSRF_MAX_AGE_S = 3_600;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Messages the sign-in page shows for ?notice=… (fixed texts: the query cannot inject words). */
const NOTICES: Record<string, string> = {
  "signed-out": "You are signed out.",
  "session-ended": "Your session has ended. Sign in again to continue.",
};

const WRONG_KEY =
  "That key was not accepted. Check that you pasted all of it; it may also have been revoked or have expired.";
const PUBLISH_ONLY =
  "This key can only publish events. Sign in with a key that has the manage scope, or with the admin key.";

export function signInRoutes(router: Router, limiter: SignInLimiter): void {
  router
    .publicGet(SIGN_IN_PATH, showSignIn)
    .publicPost(SIGN_IN_PATH, (ctx) => signIn(ctx, limiter))
    .publicPost("/dashboard/sign-out", signOut);
}

async function showSignIn(ctx: PublicContext): Promise<DashboardResult> {
  const sessionId = ctx.cookies[SESSION_COOKIE];
  if (sessionId && (await ctx.sessions.resume(sessionId))) return redirect("/dashboard", { status: 302 });
  // Own keys only: `?notice=constructor` must not find Object.prototype's members.
  const name = ctx.url.searchParams.get("notice") ?? "";
  const notice = Object.hasOwn(NOTICES, name) ? NOTICES[name] : undefined;
  return signInPage(ctx, { notice });
}

async function signIn(ctx: PublicContext, limiter: SignInLimiter): Promise<DashboardResult> {
  const waitS = limiter.attempt(clientNetwork(clientAddress(ctx.request)), ctx.now);
  if (waitS > 0) {
    return signInPage(ctx, {
      status: 429,
      error: `Too many sign-in attempts. Try again in ${waitS} second${waitS === 1 ? "" : "s"}.`,
      headers: { "retry-after": String(waitS) },
    });
  }
  if (!tokensMatch(ctx.form.get(CSRF_FIELD), ctx.cookies[SIGN_IN_CSRF_COOKIE])) {
    return signInPage(ctx, {
      status: 403,
      error: "The sign-in form had expired. It has been reloaded: paste your key again.",
    });
  }
  const key = (ctx.form.get("key") ?? "").trim();
  if (key === "") return signInPage(ctx, { status: 422, error: "Paste your API key to sign in." });
  const outcome = await ctx.sessions.signIn(key.slice(0, KEY_CHARS_MAX));
  if (!outcome.ok) {
    const publishOnly = outcome.reason === "publish_only";
    return signInPage(ctx, {
      status: publishOnly ? 403 : 401,
      error: publishOnly ? PUBLISH_ONLY : WRONG_KEY,
    });
  }
  const secure = isSecureOrigin(ctx.origin);
  const maxAgeS = (outcome.session.expires_at - ctx.now) / 1000;
  return redirect("/dashboard", {
    cookies: [
      setCookie(SESSION_COOKIE, outcome.sessionId, secure, maxAgeS),
      clearCookie(SIGN_IN_CSRF_COOKIE, secure),
    ],
  });
}

/** Ends the session (when its form carries the session's token) and forgets the cookie. */
async function signOut(ctx: PublicContext): Promise<DashboardResult> {
  const sessionId = ctx.cookies[SESSION_COOKIE];
  const resumed = sessionId ? await ctx.sessions.resume(sessionId) : undefined;
  if (sessionId && resumed) {
    if (!tokensMatch(ctx.form.get(CSRF_FIELD), resumed.session.csrf_token)) {
      return page("Sign out", html`<h1>Sign out</h1><p><a href="/dashboard">Back to the dashboard</a></p>`, {
        status: 403,
        error: "The sign-out form had expired. Reload the page and try again.",
      });
    }
    await ctx.sessions.signOut(sessionId);
  }
  return redirect(`${SIGN_IN_PATH}?notice=signed-out`, {
    cookies: clearSessionCookies(ctx.config.portalFrameAncestors, ctx.origin),
  });
}

function signInPage(
  ctx: PublicContext,
  options: Pick<PageOptions, "status" | "error" | "notice" | "headers">,
): PageResult {
  const existing = ctx.cookies[SIGN_IN_CSRF_COOKIE];
  const token = existing && TOKEN_SHAPE.test(existing) ? existing : newCsrfToken();
  const cookie = setCookie(SIGN_IN_CSRF_COOKIE, token, isSecureOrigin(ctx.origin), SIGN_IN_CSRF_MAX_AGE_S);
  const body = html`<div class="panel sign-in">
<h1>Sign in</h1>
<p class="muted">Paste an API key of your account that has the manage scope, or the admin key.</p>
<form method="post" action="${SIGN_IN_PATH}" class="stack">
${csrfField(token)}
<div>
<label for="key">API key</label>
<input type="password" id="key" name="key" required autocomplete="off" spellcheck="false" maxlength="${KEY_CHARS_MAX}"${options.error ? html` aria-invalid="true"` : ""}>
</div>
<div><button type="submit" class="primary">Sign in</button></div>
</form>
</div>`;
  return page("Sign in", body, { ...options, cookies: [cookie] });
}
