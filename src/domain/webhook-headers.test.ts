import { describe, expect, test } from "bun:test";
import { HEADER_VALUE_BYTES_MAX, headerIssues, isReservedHeader } from "./webhook-headers";

describe("headerIssues", () => {
  test("accepts tokens with printable ASCII values, including empty and inner spaces", () => {
    expect(
      headerIssues({ Authorization: "Bearer abc", "X-Tenant_1": "a\tb c", "x~odd!": "", Accept: "*/*" }),
    ).toEqual([]);
  });

  test.each([
    "Host",
    "content-length",
    "CONTENT-TYPE",
    "Transfer-Encoding",
    "connection",
    "User-Agent",
    "X-Inbox-Signature",
    "x-inbox-anything",
    "Webhook-Id",
    "webhook-custom",
    "Upgrade",
  ])("refuses the reserved name %s", (name) => {
    const [issue] = headerIssues({ [name]: "v" });
    expect(issue?.field).toBe(`/headers/${name}`);
    expect(issue?.reason).toContain("cannot be replaced");
  });

  test("refuses names differing only by case, naming the second", () => {
    expect(headerIssues({ "X-Key": "a", "x-key": "b" })).toEqual([
      { field: "/headers/x-key", reason: 'duplicates "X-Key": header names are case-insensitive' },
    ]);
  });

  test("refuses names that are not tokens, escaping the pointer", () => {
    const issues = headerIssues({ "Bad Name": "v", "a/b~c": "v", "": "v", é: "v" });
    expect(issues.map((i) => i.field)).toEqual([
      "/headers/Bad Name",
      "/headers/a~1b~0c",
      "/headers/",
      "/headers/é",
    ]);
    for (const i of issues) expect(i.reason).toContain("RFC 9110 token");
  });

  test("refuses control characters, non-ASCII, edge whitespace, long and non-string values", () => {
    const issues = headerIssues({
      A: "line\r\nInjected: 1",
      B: "nul\u0000",
      C: "café",
      D: " padded",
      E: "x".repeat(HEADER_VALUE_BYTES_MAX + 1),
      F: 42 as unknown as string,
    });
    expect(issues.map((i) => i.field)).toEqual([
      "/headers/A",
      "/headers/B",
      "/headers/C",
      "/headers/D",
      "/headers/E",
      "/headers/F",
    ]);
    expect(headerIssues({ A: "x".repeat(HEADER_VALUE_BYTES_MAX) })).toEqual([]);
  });

  test("refuses more than 20 headers as a whole", () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, "v"]));
    expect(headerIssues(many)).toEqual([{ field: "/headers", reason: "must have at most 20 headers" }]);
  });

  test("isReservedHeader ignores case and leaves other names alone", () => {
    expect(isReservedHeader("HOST")).toBe(true);
    expect(isReservedHeader("X-INBOX-EVENT-ID")).toBe(true);
    expect(isReservedHeader("Authorization")).toBe(false);
    expect(isReservedHeader("X-Inboxed")).toBe(false);
    expect(isReservedHeader("Webhooks-Custom")).toBe(false);
  });
});
