import { describe, expect, test } from "bun:test";
import {
  clientAddress,
  clientAddressFrom,
  clientNetwork,
  isProxyAddress,
  notePeerAddress,
} from "./client-address";

describe("isProxyAddress", () => {
  test("loopback, private, link-local and unique-local addresses, and their IPv4-mapped forms", () => {
    for (const a of [
      "127.0.0.1",
      "127.8.9.10",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "::1",
      "fd00::7",
      "fc12::1",
      "fe80::1",
      "fe80::1%eth0",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.2",
    ]) {
      expect([a, isProxyAddress(a)]).toEqual([a, true]);
    }
  });

  test("public addresses and anything that is not an address", () => {
    for (const a of [
      "203.0.113.5",
      "172.32.0.1",
      "172.15.255.255",
      "100.64.0.1",
      "8.8.8.8",
      "2001:db8::1",
      "::ffff:8.8.8.8",
      "::",
      "localhost",
      "",
    ]) {
      expect([a, isProxyAddress(a)]).toEqual([a, false]);
    }
  });
});

describe("clientAddressFrom", () => {
  test("a public peer is the client, whatever its headers say", () => {
    expect(clientAddressFrom("203.0.113.5", "198.51.100.1", "198.51.100.2")).toBe("203.0.113.5");
    expect(clientAddressFrom("2001:db8::5", "10.0.0.1", null)).toBe("2001:db8::5");
  });

  test("behind a local proxy: the rightmost X-Forwarded-For entry (the proxy's own), not the forgeable left ones", () => {
    expect(clientAddressFrom("127.0.0.1", "1.1.1.1, 2.2.2.2, 203.0.113.9", null)).toBe("203.0.113.9");
    expect(clientAddressFrom("10.0.0.4", " 2001:db8::9 ", null)).toBe("2001:db8::9");
    expect(clientAddressFrom("::ffff:192.168.0.2", "198.51.100.3", null)).toBe("198.51.100.3");
  });

  test("behind a local proxy: X-Real-IP when there is no usable X-Forwarded-For, else the peer", () => {
    expect(clientAddressFrom("127.0.0.1", null, "198.51.100.4")).toBe("198.51.100.4");
    expect(clientAddressFrom("127.0.0.1", "203.0.113.1, not-an-ip", "198.51.100.4")).toBe("198.51.100.4");
    expect(clientAddressFrom("127.0.0.1", "unknown", "also unknown")).toBe("127.0.0.1");
    expect(clientAddressFrom("127.0.0.1", "", null)).toBe("127.0.0.1");
    expect(clientAddressFrom("::1", `${"1".repeat(100)}`, null)).toBe("::1");
  });
});

describe("clientAddress", () => {
  const req = (headers: Record<string, string>) => new Request("http://x/", { headers });

  test("uses the noted socket peer of that very request", () => {
    const outside = req({ "x-forwarded-for": "198.51.100.1" });
    notePeerAddress(outside, "203.0.113.7");
    expect(clientAddress(outside)).toBe("203.0.113.7");
    const proxied = req({ "x-forwarded-for": "198.51.100.1" });
    notePeerAddress(proxied, "::ffff:127.0.0.1");
    expect(clientAddress(proxied)).toBe("198.51.100.1");
  });

  test("a request with no socket (handed in by this process) counts as loopback", () => {
    expect(clientAddress(req({ "x-forwarded-for": "198.51.100.1" }))).toBe("198.51.100.1");
    expect(clientAddress(req({}))).toBe("127.0.0.1");
  });
});

describe("clientNetwork", () => {
  test("IPv4 as it is; IPv6 by its /64, however it is written; IPv4-mapped as IPv4", () => {
    expect(clientNetwork("198.51.100.7")).toBe("198.51.100.7");
    expect(clientNetwork("2001:db8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:0DB8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:db8:1:3::9")).toBe("2001:db8:1:3::/64");
    expect(clientNetwork("::1")).toBe("::/64");
    expect(clientNetwork("::ffff:198.51.100.7")).toBe("198.51.100.7");
    expect(clientNetwork("fe80::1%eth0")).toBe("fe80::/64");
    expect(clientNetwork("not an address")).toBe("not an address");
  });
});
