import { describe, expect, test } from "bun:test";
import {
  keyFormValues,
  keyIssueWords,
  parseAccountName,
  parseKeyForm,
  parsePortalLifetime,
} from "./key-form";

function form(entries: [string, string][]): URLSearchParams {
  return new URLSearchParams(entries);
}

describe("parseAccountName", () => {
  test("trims, refuses empty and too long names in words", () => {
    expect(parseAccountName(form([["name", "  Acme  "]]))).toEqual({ ok: true, value: "Acme" });
    expect(parseAccountName(form([["name", "   "]]))).toEqual({
      ok: false,
      problems: ["Enter an account name."],
    });
    expect(parseAccountName(form([]))).toEqual({ ok: false, problems: ["Enter an account name."] });
    const long = parseAccountName(form([["name", "x".repeat(201)]]));
    expect(long).toEqual({ ok: false, problems: ["The account name can be at most 200 characters long."] });
    expect(parseAccountName(form([["name", "x".repeat(200)]])).ok).toBe(true);
  });
});

describe("parseKeyForm", () => {
  test("a named, scoped, expiring key; Expires read as UTC", () => {
    const values = keyFormValues(
      form([
        ["name", "billing"],
        ["scopes", "manage"],
        ["scopes", "publish"],
        ["expires", "2027-01-15T09:30"],
      ]),
    );
    expect(values).toEqual({ name: "billing", scopes: ["publish", "manage"], expires: "2027-01-15T09:30" });
    expect(parseKeyForm(values)).toEqual({
      ok: true,
      value: { name: "billing", scopes: ["publish", "manage"], expiresAt: Date.UTC(2027, 0, 15, 9, 30) },
    });
  });

  test("no name and no expiry leave the service's defaults (none, never)", () => {
    const parsed = parseKeyForm(keyFormValues(form([["scopes", "publish"]])));
    expect(parsed).toEqual({ ok: true, value: { scopes: ["publish"] } });
  });

  test("unknown scope values are ignored, so a form with only those has no scope", () => {
    const values = keyFormValues(form([["scopes", "admin"]]));
    expect(values.scopes).toEqual([]);
    const parsed = parseKeyForm(values);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems[0]).toContain("Tick at least one scope");
  });

  test("every problem at once, in words", () => {
    const parsed = parseKeyForm({ name: "n".repeat(101), scopes: [], expires: "2027-02-30T10:00" });
    expect(parsed).toEqual({
      ok: false,
      problems: [
        "The key name can be at most 100 characters long.",
        'Tick at least one scope: "publish" to send events, "manage" for everything else.',
        "Expires must be a date and time (UTC) such as 2027-01-15 09:00, or empty for never.",
      ],
    });
  });

  test("a garbled expiry is refused", () => {
    expect(parseKeyForm({ name: "", scopes: ["manage"], expires: "tomorrow" }).ok).toBe(false);
  });
});

test("keyIssueWords names the form's field", () => {
  expect(keyIssueWords({ field: "/expires_at", reason: "must be in the future" })).toBe(
    "Expires must be in the future.",
  );
  expect(keyIssueWords({ field: "/scopes", reason: "this key lacks manage" })).toBe(
    "Scopes: this key lacks manage.",
  );
});

describe("parsePortalLifetime", () => {
  test("absent: the API's default of 300 s; a choice within 30-3600 s; anything else refused in words", () => {
    expect(parsePortalLifetime(form([]))).toEqual({ ok: true, value: 300_000 });
    expect(parsePortalLifetime(form([["lifetime", "900"]]))).toEqual({ ok: true, value: 900_000 });
    expect(parsePortalLifetime(form([["lifetime", "3600"]]))).toEqual({ ok: true, value: 3_600_000 });
    for (const bad of ["29", "3601", "1e3", "-60", "ten", "99999999"]) {
      const parsed = parsePortalLifetime(form([["lifetime", bad]]));
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.problems[0]).toContain("30 seconds to 1 hour");
    }
  });
});
