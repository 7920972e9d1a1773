// Cross-site request forgery defence for every dashboard POST, two independent checks:
//  1. a synchronizer token: the form's hidden `csrf` field must equal the session's csrf_token (or,
//     for the sign-in form, which has no session yet, the inbox_csrf cookie: double submit),
//     compared in constant time;
//  2. the request's Origin (or, when a browser sends none, its Referer) must be this server's own
//     public origin. The layout sends `Referrer-Policy: same-origin`: with `no-referrer` browsers
//     send `Origin: null` on form posts, which would defeat this check.
// The session cookie is also SameSite=Strict, so another site's form never carries it at all.

import { randomBytes, timingSafeEqual } from "node:crypto";
import { type Html, html } from "./html";

/** The hidden form field carrying the token. */
export const CSRF_FIELD = "csrf";

/** A new random token (256 bits, base64url). */
export function newCsrfToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The hidden input every POST form carries: `<form method="post">${ctx.csrf}...</form>`. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/** Constant-time equality of two tokens; an empty or missing one never matches. */
export function tokensMatch(given: string | null | undefined, expected: string | null | undefined): boolean {
  if (!given || !expected) return false;
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether the request comes from a page of `origin`: its Origin, else its Referer's origin. */
export function sameOrigin(request: Request, origin: string): boolean {
  const stated = request.headers.get("origin");
  if (stated !== null) return stated === origin;
  const referer = request.headers.get("referer");
  if (referer === null) return false;
  try {
    return new URL(referer).origin === origin;
  } catch {
    return false;
  }
}

/** Why a POST is refused, or undefined when both checks pass. */
export function csrfRefusal(
  request: Request,
  form: URLSearchParams,
  expected: string | undefined,
  origin: string,
): string | undefined {
  if (!sameOrigin(request, origin)) return "the form was sent from another site";
  if (!tokensMatch(form.get(CSRF_FIELD), expected)) return "the form's security token is missing or expired";
  return undefined;
}
