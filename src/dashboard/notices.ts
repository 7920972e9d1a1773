// A notice (or an alert) carried across a redirect ("Endpoint created."): a short-lived cookie holding the text
// and an HMAC of it keyed by the session's CSRF token, so that only this server, for this session,
// can leave one (a cookie planted by a neighbouring subdomain shows nothing). Read once: the page
// that shows it clears it. Every replica verifies it (the key is in the shared session record).

import { createHmac } from "node:crypto";
import { type CookieScope, clearCookie, NOTICE_COOKIE, setCookie } from "./cookies";
import { tokensMatch } from "./csrf";

/** A notice longer than this is cut (a cookie holds about 4 KiB). */
const NOTICE_CHARS_MAX = 500;
/** Long enough for the redirect to be followed. */
const NOTICE_MAX_AGE_S = 60;

/** What the next page shows: a notice (role=status) or an alert (role=alert). */
export interface Flash {
  kind: "notice" | "alert";
  text: string;
}

const KIND_MARK = { notice: "n", alert: "a" } as const;

function mac(kind: string, text: string, key: string): string {
  return createHmac("sha256", key).update(`${kind}:${text}`, "utf8").digest("base64url").slice(0, 22);
}

/** Set-Cookie carrying `flash` to the next page of the session whose CSRF token is `key`. */
export function noticeCookie(
  flash: Flash,
  key: string,
  secure: boolean,
  scope: CookieScope = "strict",
): string {
  const cut = flash.text.slice(0, NOTICE_CHARS_MAX);
  const mark = KIND_MARK[flash.kind];
  const value = `${mark}.${Buffer.from(cut, "utf8").toString("base64url")}.${mac(mark, cut, key)}`;
  return setCookie(NOTICE_COOKIE, value, secure, NOTICE_MAX_AGE_S, scope);
}

/** The flash in `value` when its MAC holds for `key`; undefined otherwise. */
export function readNotice(value: string | undefined, key: string): Flash | undefined {
  if (!value) return undefined;
  const [mark, body, tag] = value.split(".");
  if ((mark !== "n" && mark !== "a") || !body || !tag) return undefined;
  const text = Buffer.from(body, "base64url").toString("utf8");
  if (!tokensMatch(tag, mac(mark, text, key))) return undefined;
  return { kind: mark === "a" ? "alert" : "notice", text };
}

/** Set-Cookie removing the notice once shown (`scope`: the session's, as it was set). */
export function noticeShown(secure: boolean, scope: CookieScope = "strict"): string {
  return clearCookie(NOTICE_COOKIE, secure, scope);
}
