// A notice carried across a redirect ("Endpoint created."): a short-lived cookie holding the text
// and an HMAC of it keyed by the session's CSRF token, so that only this server, for this session,
// can leave one (a cookie planted by a neighbouring subdomain shows nothing). Read once: the page
// that shows it clears it. Every replica verifies it (the key is in the shared session record).

import { createHmac } from "node:crypto";
import { clearCookie, NOTICE_COOKIE, setCookie } from "./cookies";
import { tokensMatch } from "./csrf";

/** A notice longer than this is cut (a cookie holds about 4 KiB). */
const NOTICE_CHARS_MAX = 500;
/** Long enough for the redirect to be followed. */
const NOTICE_MAX_AGE_S = 60;

function mac(text: string, key: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("base64url").slice(0, 22);
}

/** Set-Cookie carrying `text` to the next page of the session whose CSRF token is `key`. */
export function noticeCookie(text: string, key: string, secure: boolean): string {
  const cut = text.slice(0, NOTICE_CHARS_MAX);
  const value = `${Buffer.from(cut, "utf8").toString("base64url")}.${mac(cut, key)}`;
  return setCookie(NOTICE_COOKIE, value, secure, NOTICE_MAX_AGE_S);
}

/** The notice in `value` when its MAC holds for `key`; undefined otherwise. */
export function readNotice(value: string | undefined, key: string): string | undefined {
  if (!value) return undefined;
  const [body, tag] = value.split(".");
  if (!body || !tag) return undefined;
  const text = Buffer.from(body, "base64url").toString("utf8");
  return tokensMatch(tag, mac(text, key)) ? text : undefined;
}

/** Set-Cookie removing the notice once shown. */
export function noticeShown(secure: boolean): string {
  return clearCookie(NOTICE_COOKIE, secure);
}
