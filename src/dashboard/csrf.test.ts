import { describe, expect, test } from "bun:test";
import { csrfField, csrfRefusal, newCsrfToken, sameOrigin, tokensMatch } from "./csrf";
import { noticeCookie, readNotice } from "./notices";

const ORIGIN = "https://inbox.example.com";
const post = (headers: Record<string, string>) =>
  new Request(`${ORIGIN}/dashboard/x`, { method: "POST", headers });

describe("CSRF", () => {
  test("tokens match only when equal and present", () => {
    const token = newCsrfToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokensMatch(token, token)).toBe(true);
    expect(tokensMatch(`${token}x`, token)).toBe(false);
    expect(tokensMatch("", "")).toBe(false);
    expect(tokensMatch(null, token)).toBe(false);
    expect(tokensMatch(token, undefined)).toBe(false);
  });

  test("the request must come from this origin: Origin, else Referer; null or absent is refused", () => {
    expect(sameOrigin(post({ origin: ORIGIN }), ORIGIN)).toBe(true);
    expect(sameOrigin(post({ origin: "https://evil.example" }), ORIGIN)).toBe(false);
    expect(sameOrigin(post({ origin: "null" }), ORIGIN)).toBe(false);
    expect(sameOrigin(post({ referer: `${ORIGIN}/dashboard/endpoints` }), ORIGIN)).toBe(true);
    expect(sameOrigin(post({ referer: "https://inbox.example.com.evil.example/" }), ORIGIN)).toBe(false);
    expect(sameOrigin(post({ referer: "not a url" }), ORIGIN)).toBe(false);
    expect(sameOrigin(post({}), ORIGIN)).toBe(false);
  });

  test("a refusal names the failed check", () => {
    const token = newCsrfToken();
    const form = new URLSearchParams({ csrf: token });
    expect(csrfRefusal(post({ origin: ORIGIN }), form, token, ORIGIN)).toBeUndefined();
    expect(csrfRefusal(post({ origin: ORIGIN }), new URLSearchParams(), token, ORIGIN)).toContain("token");
    expect(csrfRefusal(post({ origin: "https://x.example" }), form, token, ORIGIN)).toContain("another site");
  });

  test("the hidden field escapes its value", () => {
    expect(csrfField('a"b').text).toBe('<input type="hidden" name="csrf" value="a&quot;b">');
  });
});

describe("notices", () => {
  const key = newCsrfToken();
  const value = (cookie: string) => cookie.split(";")[0]?.split("=")[1];

  test("a notice made for this session's key reads back; another key or a change reads nothing", () => {
    const cookie = noticeCookie({ kind: "notice", text: "Endpoint créé." }, key, true);
    expect(cookie).toContain("HttpOnly; SameSite=Strict; Max-Age=60; Secure");
    expect(readNotice(value(cookie), key)).toEqual({ kind: "notice", text: "Endpoint créé." });
    expect(readNotice(value(cookie), newCsrfToken())).toBeUndefined();
    const [mark, body, tag] = (value(cookie) ?? "").split(".");
    const forged = `${mark}.${Buffer.from("Go to evil.example").toString("base64url")}.${tag}`;
    expect(readNotice(forged, key)).toBeUndefined();
    expect(readNotice(`a.${body}.${tag}`, key)).toBeUndefined(); // the kind is signed too
    expect(readNotice(`${mark}.${body}`, key)).toBeUndefined();
    expect(readNotice(undefined, key)).toBeUndefined();
    const alert = noticeCookie({ kind: "alert", text: "Failed." }, key, false);
    expect(readNotice(value(alert), key)).toEqual({ kind: "alert", text: "Failed." });
  });
});
