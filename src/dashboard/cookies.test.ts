import { describe, expect, test } from "bun:test";
import { clearCookie, clearSessionCookies, portalCookieScope, setCookie } from "./cookies";

const FRAMERS = ["https://app.example.com"];

describe("setCookie", () => {
  test("strict: SameSite=Strict, Secure only on https", () => {
    expect(setCookie("a", "1", false, 60)).toBe(
      "a=1; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=60",
    );
    expect(setCookie("a", "1", true)).toBe("a=1; Path=/dashboard; HttpOnly; SameSite=Strict; Secure");
  });

  test("embedded: SameSite=None, always Secure, Partitioned (CHIPS)", () => {
    expect(setCookie("a", "1", true, 60, "embedded")).toBe(
      "a=1; Path=/dashboard; HttpOnly; SameSite=None; Max-Age=60; Secure; Partitioned",
    );
    expect(setCookie("a", "1", false, undefined, "embedded")).toBe(
      "a=1; Path=/dashboard; HttpOnly; SameSite=None; Secure; Partitioned",
    );
    expect(clearCookie("a", true, "embedded")).toBe(
      "a=; Path=/dashboard; HttpOnly; SameSite=None; Max-Age=0; Secure; Partitioned",
    );
  });
});

describe("portalCookieScope", () => {
  test("embedded only when some origin may frame the portal and the public origin is https", () => {
    expect(portalCookieScope(FRAMERS, "https://inbox.example.com")).toBe("embedded");
    expect(portalCookieScope(FRAMERS, "http://inbox.example.com")).toBe("strict");
    expect(portalCookieScope(FRAMERS, "http://127.0.0.1:8080")).toBe("strict");
    expect(portalCookieScope([], "https://inbox.example.com")).toBe("strict");
    expect(portalCookieScope(undefined, "https://inbox.example.com")).toBe("strict");
  });
});

describe("clearSessionCookies", () => {
  test("removes the strict cookie, and the partitioned one too when portal sessions may be embedded", () => {
    expect(clearSessionCookies(undefined, "http://localhost")).toEqual([
      "inbox_session=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0",
    ]);
    expect(clearSessionCookies(FRAMERS, "https://inbox.example.com")).toEqual([
      "inbox_session=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0; Secure",
      "inbox_session=; Path=/dashboard; HttpOnly; SameSite=None; Max-Age=0; Secure; Partitioned",
    ]);
  });
});
