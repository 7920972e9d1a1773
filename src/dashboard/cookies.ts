// The dashboard's cookies. Every one is HttpOnly and SameSite=Strict (never sent with a request
// another site starts, which is half of the CSRF defence), Path=/dashboard (never sent to the API),
// and Secure when the public origin is https.

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

/** Set-Cookie for `name=value`, living `maxAgeS` seconds (undefined: until the browser closes). */
export function setCookie(name: string, value: string, secure: boolean, maxAgeS?: number): string {
  const parts = [`${name}=${value}`, `Path=${COOKIE_PATH}`, "HttpOnly", "SameSite=Strict"];
  if (maxAgeS !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(maxAgeS))}`);
  if (secure) parts.push("Secure");
  return parts.join("; ");
}

/** Set-Cookie that removes `name`. */
export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, "", secure, 0);
}

/** Whether cookies must be Secure: the public origin is https. */
export function isSecureOrigin(origin: string): boolean {
  return origin.startsWith("https:");
}
