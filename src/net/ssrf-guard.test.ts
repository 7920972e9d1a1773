import { describe, expect, test } from "bun:test";
import { checkAddress, isLocalhostName, parseIpLiteral } from "./ssrf-guard";

describe("checkAddress refuses every non-public range", () => {
  test.each([
    // IPv4
    ["127.0.0.1", /loopback.*127\.0\.0\.0\/8/],
    ["127.255.255.254", /loopback/],
    ["0.0.0.0", /unspecified.*0\.0\.0\.0\/8/],
    ["0.1.2.3", /unspecified/],
    ["10.0.0.1", /private.*10\.0\.0\.0\/8/],
    ["10.255.255.255", /private/],
    ["172.16.0.1", /private.*172\.16\.0\.0\/12/],
    ["172.31.255.255", /private/],
    ["192.168.1.1", /private.*192\.168\.0\.0\/16/],
    ["169.254.169.254", /link-local.*metadata.*169\.254\.0\.0\/16/],
    ["169.254.0.1", /link-local/],
    ["100.64.0.1", /CGNAT.*100\.64\.0\.0\/10/],
    ["100.127.255.255", /CGNAT/],
    ["224.0.0.1", /multicast.*224\.0\.0\.0\/4/],
    ["239.255.255.250", /multicast/],
    ["240.0.0.1", /reserved.*240\.0\.0\.0\/4/],
    ["254.1.1.1", /reserved/],
    ["255.255.255.255", /broadcast/],
    ["192.0.0.8", /IETF protocol assignment.*192\.0\.0\.0\/24/],
    ["192.0.2.55", /TEST-NET-1/],
    ["192.88.99.1", /6to4 relay/],
    ["198.18.0.1", /benchmarking.*198\.18\.0\.0\/15/],
    ["198.19.255.255", /benchmarking/],
    ["198.51.100.7", /TEST-NET-2/],
    ["203.0.113.9", /TEST-NET-3/],
    // IPv6
    ["::1", /::1 is the loopback address/],
    ["0:0:0:0:0:0:0:1", /loopback/],
    ["::", /unspecified/],
    ["fe80::1", /link-local.*fe80::\/10/],
    ["febf:ffff::1", /link-local/],
    ["fc00::1", /unique local.*fc00::\/7/],
    ["fd12:3456:789a::1", /unique local/],
    ["fec0::1", /site-local.*fec0::\/10/],
    ["ff02::1", /multicast.*ff00::\/8/],
    ["ff05::1:3", /multicast/],
    ["2001:db8::1", /documentation.*2001:db8::\/32/],
    ["3fff::1", /documentation.*3fff::\/20/],
    ["100::1", /discard-only.*100::\/64/],
    ["2001::1", /Teredo.*2001::\/32/],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", /Teredo/],
    ["2001:2::1", /benchmarking/],
    ["2001:10::1", /ORCHID/],
    ["2001:20::1", /ORCHIDv2/],
    ["64:ff9b:1::1", /local-use NAT64/],
    ["::ffff:0:7f00:1", /IPv4-translated/],
    ["4000::1", /outside the global unicast range/],
    ["e000::1", /outside the global unicast range/],
    ["1::1", /outside the global unicast range/],
    // IPv6 forms that carry a refused IPv4 address
    ["::ffff:127.0.0.1", /IPv4-mapped.*of 127\.0\.0\.1, a loopback/],
    ["::ffff:7f00:1", /IPv4-mapped.*127\.0\.0\.1/],
    ["::ffff:169.254.169.254", /IPv4-mapped.*169\.254\.169\.254, a link-local/],
    ["::ffff:10.1.2.3", /private/],
    ["::ffff:0.0.0.0", /unspecified/],
    ["::127.0.0.1", /IPv4-compatible/],
    ["::8.8.8.8", /IPv4-compatible/],
    ["64:ff9b::127.0.0.1", /NAT64.*127\.0\.0\.1, a loopback/],
    ["64:ff9b::a9fe:a9fe", /NAT64.*169\.254\.169\.254/],
    ["2002:7f00:1::1", /6to4.*127\.0\.0\.1, a loopback/],
    ["2002:c0a8:101::42", /6to4.*192\.168\.1\.1, a private/],
    ["2002:a9fe:a9fe::", /6to4.*169\.254\.169\.254/],
  ])("%p", (ip, reason) => {
    const verdict = checkAddress(ip);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.reason).toMatch(reason);
  });
});

describe("checkAddress allows public unicast", () => {
  test.each([
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "9.255.255.255",
    "11.0.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "126.255.255.255",
    "128.0.0.1",
    "169.253.255.255",
    "169.255.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.1",
    "192.0.3.1",
    "192.167.255.255",
    "192.169.0.0",
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2a00:1450:4001:80b::200e",
    "2001:1::1", // just past 2001::/32 and outside the other special blocks
    "2001:db9::1",
    "3ffe::1",
    "::ffff:8.8.8.8",
    "::ffff:808:808",
    "64:ff9b::8.8.8.8",
    "2002:808:808::1",
  ])("%p", (ip) => {
    expect(checkAddress(ip)).toEqual({ allowed: true });
  });
});

describe("checkAddress fails closed on anything but a plain address", () => {
  test.each([
    ["", /not an IP address/],
    ["localhost", /not an IP address/],
    ["example.com", /not an IP address/],
    ["2130706433", /not an IP address/],
    ["0x7f.0.0.1", /not an IP address/],
    ["127.1", /not an IP address/],
    ["[::1]", /not an IP address/],
    ["fe80::1%eth0", /zone id/],
    ["8.8.8.8%1", /not an IP address/],
    ["1::2::3", /not an IP address/],
  ])("%p", (ip, reason) => {
    const verdict = checkAddress(ip);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.reason).toMatch(reason);
  });
});

describe("parseIpLiteral", () => {
  test.each([
    ["127.0.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0x7f.0.0.1", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["0x7F000001", "127.0.0.1"],
    ["127.0.0.1.", "127.0.0.1"],
    ["169.254.43518", "169.254.169.254"],
    ["[::1]", "::1"],
    ["[0:0:0:0:0:0:0:1]", "::1"],
    ["::1", "::1"],
    ["[::ffff:127.0.0.1]", "::ffff:7f00:1"],
    ["[::FFFF:7F00:1]", "::ffff:7f00:1"],
    ["[2001:DB8::1]", "2001:db8::1"],
  ])("%p -> %p", (host, canonical) => {
    expect(parseIpLiteral(host)).toBe(canonical);
  });

  test.each([
    "example.com",
    "localhost",
    "a.0x7f",
    "1.2.3.4.5",
    "256.256.256.256",
    "[::1",
    "::1]",
    "[1::2::3]",
    "[fe80::1%25eth0]",
    "",
    "xn--nxasmq6b",
    "0x7f.example",
  ])("%p -> null", (host) => {
    expect(parseIpLiteral(host)).toBeNull();
  });

  test("every spelling new URL() normalizes lands on the same verdict", () => {
    for (const raw of [
      "2130706433",
      "0x7f.0.0.1",
      "0177.0.0.1",
      "127.1",
      "0x7f.1",
      "[::ffff:127.0.0.1]",
      "１２７.０.０.１",
    ]) {
      const host = new URL(`http://${raw}/`).hostname;
      const literal = parseIpLiteral(host);
      expect(literal).not.toBeNull();
      expect(checkAddress(literal!).allowed).toBe(false);
      // And the raw spelling, should it reach us unnormalized.
      if (!raw.startsWith("１")) expect(parseIpLiteral(raw)).toBe(literal);
    }
  });
});

test("isLocalhostName", () => {
  for (const h of ["localhost", "LocalHost", "localhost.", "a.b.localhost", "x.localhost.."])
    expect(isLocalhostName(h)).toBe(true);
  for (const h of ["localhost.com", "mylocalhost", "localhost-1", "", "127.0.0.1"])
    expect(isLocalhostName(h)).toBe(false);
});
