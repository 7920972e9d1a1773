import { describe, expect, test } from "bun:test";
import { errorText } from "./delivery-text";

describe("errorText", () => {
  test("an error status or a redirect reads as what the endpoint answered", () => {
    expect(errorText("http_status", "HTTP 500")).toBe("Endpoint answered HTTP 500");
    expect(errorText("redirect", "HTTP 302 redirect to https://example.com/b (not followed)")).toBe(
      "Endpoint answered HTTP 302 redirect to https://example.com/b (not followed)",
    );
  });

  test("without a message, the class alone in words", () => {
    expect(errorText("http_status", null)).toBe("Endpoint answered an error status");
    expect(errorText("redirect", null)).toBe("Endpoint answered a redirect (not followed)");
    expect(errorText("timeout", null)).toBe("Timed out");
  });

  test("other classes put the stored message after their words; no class, the message or nothing", () => {
    expect(errorText("timeout", "no response within 10000 ms")).toBe(
      "Timed out: no response within 10000 ms",
    );
    expect(errorText("dns", "getaddrinfo ENOTFOUND x.example")).toBe(
      "Host name not found: getaddrinfo ENOTFOUND x.example",
    );
    expect(errorText(null, "odd")).toBe("odd");
    expect(errorText(null, null)).toBe("");
  });
});
