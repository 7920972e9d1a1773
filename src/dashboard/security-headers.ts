// Headers on every dashboard response. The Content-Security-Policy allows only this server's own
// scripts, styles and connections (no inline script, no inline style, no other host), forms posting
// only here, and framing only by the origins of INBOX_PORTAL_FRAME_ANCESTORS, and only for account
// sessions (the customer portal): admin pages are never framed.

/** The CSP for a response, with frame-ancestors from `ancestors` ('none' when empty). */
function contentSecurityPolicy(ancestors: readonly string[]): string {
  const frameAncestors = ancestors.length === 0 ? "'none'" : ancestors.join(" ");
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join("; ");
}

/**
 * Sets the security headers on `headers`. `page`: an HTML page or JSON answer, never to be cached
 * (it shows one account's data); assets set their own caching.
 */
export function applySecurityHeaders(headers: Headers, ancestors: readonly string[], page: boolean): void {
  headers.set("content-security-policy", contentSecurityPolicy(ancestors));
  headers.set("x-content-type-options", "nosniff");
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on form posts,
  // which the CSRF check (./csrf.ts) must refuse. Other sites still get no referrer at all.
  headers.set("referrer-policy", "same-origin");
  if (ancestors.length === 0) headers.set("x-frame-options", "DENY");
  if (page) headers.set("cache-control", "no-store");
}
