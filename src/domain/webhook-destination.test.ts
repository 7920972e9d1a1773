import { describe, expect, test } from "bun:test";
import { checkWebhookUrl, parseWebhookDestination } from "./webhook-destination";

describe("checkWebhookUrl", () => {
  const refused = (u: string, allowPrivate = false) => {
    const issue = checkWebhookUrl(u, allowPrivate);
    expect(issue).toBeDefined();
    expect(issue?.field).toBe("/url");
    return issue?.reason ?? "";
  };
  const allowed = (u: string, allowPrivate = false) => {
    expect(checkWebhookUrl(u, allowPrivate)).toBeUndefined();
  };

  test.each([
    ["http://127.0.0.1/hook", /loopback/],
    ["http://127.0.0.1:8080/hook", /loopback/],
    ["https://10.0.0.5/", /private/],
    ["http://169.254.169.254/latest/meta-data/", /link-local/],
    ["http://2130706433/", /loopback/],
    ["http://0x7f.1/", /loopback/],
    ["http://0177.0.0.1/", /loopback/],
    ["http://0/", /unspecified/],
    ["http://[::1]/", /loopback/],
    ["http://[::ffff:127.0.0.1]/", /IPv4-mapped.*loopback/],
    ["http://[::ffff:a9fe:a9fe]/", /169\.254\.169\.254/],
    ["http://[fd00::1]/", /unique local/],
    ["http://[fe80::1]/", /link-local/],
    ["http://localhost/", /loopback host name/],
    ["http://LOCALHOST./", /loopback host name/],
    ["http://api.localhost:3000/", /loopback host name/],
    ["http://１２７.０.０.１/", /loopback/],
  ])("refuses %p", (u, reason) => {
    expect(refused(u)).toMatch(reason);
  });

  test("allows public literals and host names (DNS is checked at delivery)", () => {
    allowed("https://8.8.8.8/hook");
    allowed("https://[2606:4700:4700::1111]/hook");
    allowed("https://yourapp.com/webhooks/inbox");
    allowed("http://localhost.example.com/");
    allowed("https://notlocalhost/");
  });

  test("allowPrivate lifts the address check but not the scheme check", () => {
    allowed("http://127.0.0.1:9999/hook", true);
    allowed("http://localhost/", true);
    allowed("http://[::1]/", true);
    expect(refused("ftp://8.8.8.8/", true)).toMatch(/http or https scheme/);
    expect(refused("file:///etc/passwd")).toMatch(/http or https scheme/);
    expect(refused("javascript:alert(1)")).toMatch(/http or https scheme/);
    expect(refused("gopher://example.com/")).toMatch(/http or https scheme/);
  });

  test("refuses what does not parse, credentials and surrounding whitespace, whatever allowPrivate says", () => {
    for (const allowPrivate of [false, true]) {
      expect(refused("not a url", allowPrivate)).toBe("must be an absolute http or https URL");
      expect(refused("https://user:pass@example.com/x", allowPrivate)).toMatch(
        /must not contain credentials/,
      );
      expect(refused("https://user@example.com/x", allowPrivate)).toMatch(/must not contain credentials/);
      expect(refused("https://:pass@example.com/x", allowPrivate)).toMatch(/must not contain credentials/);
      expect(refused("https://example.com:0/x", allowPrivate)).toBe("must not use port 0");
      expect(refused(" https://example.com/", allowPrivate)).toMatch(/whitespace/);
      expect(refused(`https://example.com/${"a".repeat(2048)}`, allowPrivate)).toMatch(/at most 2048/);
    }
  });
});

describe("parseWebhookDestination", () => {
  test("gives the parts an attempt needs, with the scheme's default port", () => {
    expect(parseWebhookDestination("https://Example.com/a/b?x=1#frag")).toEqual({
      ok: true,
      destination: {
        protocol: "https:",
        hostname: "example.com",
        host: "example.com",
        port: "443",
        pathAndSearch: "/a/b?x=1",
        literal: null,
      },
    });
    expect(parseWebhookDestination("http://[::1]:8080/")).toMatchObject({
      ok: true,
      destination: {
        hostname: "[::1]",
        host: "[::1]:8080",
        port: "8080",
        pathAndSearch: "/",
        literal: "::1",
      },
    });
    expect(parseWebhookDestination("http://0x7f.1/in")).toMatchObject({
      ok: true,
      destination: { hostname: "127.0.0.1", port: "80", literal: "127.0.0.1" },
    });
  });
});
