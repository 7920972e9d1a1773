// The dashboard's cookies. Every one is HttpOnly and Path=/dashboard (never sent to the API), and
// SameSite=Strict (never sent with a request another site starts), Secure when the public origin is
// https: except those of a portal-link session when the portal may be embedded (some origins in
// INBOX_PORTAL_FRAME_ANCESTORS and an https public origin). Those are `SameSite=None; Secure;
// Partitioned` (CHIPS): a browser sends them inside the platform's cross-site iframe, and keeps them
// in a jar of that top-level site alone, so no other site that frames or links here gets them.
// CSRF protection never rests on SameSite: every POST needs the session's synchronizer token and
// this server's own Origin (dashboard-app.ts, csrf.ts).

/** The session id (opaque; the store keeps only its hash). */
export const SESSION_COOKIE = "inbox_session";
/** The pre-session CSRF token of the sign-in form (double submit). */
export const SIGN_IN_CSRF_COOKIE = "inbox_csrf";
/** A notice for the next page after a redirect (signed, read once). */
export const NOTICE_COOKIE = "inbox_notice";

const COOKIE_PATH = "/dashboard";
/** Cookies larger than this are ignored (a browser keeps at most about 4 KiB per cookie). */
const COOKIE_HEADER_CHARS_MAX = 8_192;

/** The cookies of a request by name; the first of a repeated name wins; malformed pairs are skipped. */
export function readCookies(request: Request): Record<string, string> {
  const header = request.headers.get("cookie") ?? "";
  const cookies: Record<string, string> = {};
  if (header.length > COOKIE_HEADER_CHARS_MAX) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name in cookies) continue;
    cookies[name] = part.slice(eq + 1).trim();
  }
  return cookies;
}

/**
 * Where a cookie travels: `strict`, with this site's own requests only; `embedded`, also inside
 * another site's iframe, partitioned by that top-level site (always Secure).
 */
export type CookieScope = "strict" | "embedded";

/** Set-Cookie for `name=value`, living `maxAgeS` seconds (undefined: until the browser closes). */
export function setCookie(
  name: string,
  value: string,
  secure: boolean,
  maxAgeS?: number,
  scope: CookieScope = "strict",
): string {
  const sameSite = scope === "embedded" ? "SameSite=None" : "SameSite=Strict";
  const parts = [`${name}=${value}`, `Path=${COOKIE_PATH}`, "HttpOnly", sameSite];
  if (maxAgeS !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(maxAgeS))}`);
  if (secure || scope === "embedded") parts.push("Secure");
  if (scope === "embedded") parts.push("Partitioned");
  return parts.join("; ");
}

/** Set-Cookie that removes `name` (a partitioned cookie is removed only by a partitioned Set-Cookie). */
export function clearCookie(name: string, secure: boolean, scope: CookieScope = "strict"): string {
  return setCookie(name, "", secure, 0, scope);
}

/**
 * The scope of a portal-link session's cookies: `embedded` when some origins may frame the portal
 * and the public origin is https (SameSite=None and Partitioned are refused without Secure);
 * `strict` otherwise. Sessions signed in with a key are always `strict`.
 */
export function portalCookieScope(
  frameAncestors: readonly string[] | undefined,
  origin: string,
): CookieScope {
  return (frameAncestors?.length ?? 0) > 0 && isSecureOrigin(origin) ? "embedded" : "strict";
}

/**
 * Set-Cookie values that remove the session cookie whichever kind it is: the strict one, and when
 * portal sessions may be embedded the partitioned one too (in the jar of the frame it is sent from).
 */
export function clearSessionCookies(frameAncestors: readonly string[] | undefined, origin: string): string[] {
  const secure = isSecureOrigin(origin);
  const strict = clearCookie(SESSION_COOKIE, secure);
  if (portalCookieScope(frameAncestors, origin) === "strict") return [strict];
  return [strict, clearCookie(SESSION_COOKIE, secure, "embedded")];
}

/** Whether cookies must be Secure: the public origin is https. */
export function isSecureOrigin(origin: string): boolean {
  return origin.startsWith("https:");
}
