// The SSRF guard's pure half: is this address (or this URL's literal host) a place webhooks may
// go? Deliveries may only reach publicly routable unicast addresses. Refused: loopback,
// unspecified, private, link-local (cloud metadata), CGNAT, multicast, broadcast, reserved and
// documentation ranges (IANA special-purpose registries), and IPv6 forms that carry an IPv4 address
// (mapped, NAT64, 6to4) when that address is refused. No URLs and no DNS here: registration applies
// it to a webhook URL's literal host (src/domain/webhook-destination.ts), and the delivery path to
// every address a host name resolves to (src/delivery/resolve-target.ts), connecting to the one it
// checked.

import { formatIPv4, formatIPv6, low32, parseIPv4, parseIPv6, parseLegacyIPv4 } from "./ip-address";

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

const ALLOWED: AddressVerdict = { allowed: true };

// [network, prefix length, what it is]; the first match wins.
const IPV4_REFUSED: Array<[string, number, string]> = [
  ["255.255.255.255", 32, "the broadcast address"],
  ["0.0.0.0", 8, "an unspecified (this-network) address"],
  ["10.0.0.0", 8, "a private address"],
  ["100.64.0.0", 10, "a shared (CGNAT) address"],
  ["127.0.0.0", 8, "a loopback address"],
  ["169.254.0.0", 16, "a link-local address (cloud metadata lives here)"],
  ["172.16.0.0", 12, "a private address"],
  ["192.0.0.0", 24, "an IETF protocol assignment address"],
  ["192.0.2.0", 24, "a documentation address (TEST-NET-1)"],
  ["192.88.99.0", 24, "a deprecated 6to4 relay address"],
  ["192.168.0.0", 16, "a private address"],
  ["198.18.0.0", 15, "a benchmarking address"],
  ["198.51.100.0", 24, "a documentation address (TEST-NET-2)"],
  ["203.0.113.0", 24, "a documentation address (TEST-NET-3)"],
  ["224.0.0.0", 4, "a multicast address"],
  ["240.0.0.0", 4, "a reserved address"],
];

const IPV4_TABLE = IPV4_REFUSED.map(([net, len, what]) => ({
  net: parseIPv4(net) as number,
  len,
  what: `${what} (${net}/${len})`,
}));

function inV4(addr: number, net: number, len: number): boolean {
  if (len === 0) return true;
  const shift = 32 - len;
  return Math.floor(addr / 2 ** shift) === Math.floor(net / 2 ** shift);
}

function checkV4(addr: number): string | null {
  for (const { net, len, what } of IPV4_TABLE) if (inV4(addr, net, len)) return what;
  return null;
}

type V6Rule = { net: number[]; len: number; cidr: string } & (
  | { kind: "refuse"; what: string }
  /** Carries an IPv4 address in its low 32 bits (or, for 6to4, in bits 16-47). */
  | { kind: "embeds"; what: string; v4: (g: number[]) => number }
);

function rule(cidr: string, kind: "refuse", what: string): V6Rule;
function rule(cidr: string, kind: "embeds", what: string, v4: (g: number[]) => number): V6Rule;
function rule(cidr: string, kind: "refuse" | "embeds", what: string, v4?: (g: number[]) => number): V6Rule {
  const [net, len] = cidr.split("/") as [string, string];
  const base = { net: parseIPv6(net) as number[], len: Number(len), cidr };
  return kind === "refuse"
    ? { ...base, kind, what }
    : { ...base, kind, what, v4: v4 as (g: number[]) => number };
}

const IPV6_TABLE: V6Rule[] = [
  rule("::/128", "refuse", "the unspecified address"),
  rule("::1/128", "refuse", "the loopback address"),
  rule("::ffff:0:0/96", "embeds", "an IPv4-mapped address", low32),
  rule("::ffff:0:0:0/96", "refuse", "an IPv4-translated address"),
  rule("::/96", "refuse", "a deprecated IPv4-compatible address"),
  rule("64:ff9b::/96", "embeds", "a NAT64 address", low32),
  rule("64:ff9b:1::/48", "refuse", "a local-use NAT64 address"),
  rule("100::/64", "refuse", "a discard-only address"),
  rule("2001::/32", "refuse", "a Teredo address"),
  rule("2001:2::/48", "refuse", "a benchmarking address"),
  rule("2001:10::/28", "refuse", "an ORCHID address"),
  rule("2001:20::/28", "refuse", "an ORCHIDv2 address"),
  rule("2001:db8::/32", "refuse", "a documentation address"),
  rule("2002::/16", "embeds", "a 6to4 address", (g) => (g[1] as number) * 65536 + (g[2] as number)),
  rule("3fff::/20", "refuse", "a documentation address"),
  rule("fc00::/7", "refuse", "a unique local (private) address"),
  rule("fe80::/10", "refuse", "a link-local address"),
  rule("fec0::/10", "refuse", "a site-local address"),
  rule("ff00::/8", "refuse", "a multicast address"),
];

function inV6(groups: number[], net: number[], len: number): boolean {
  for (let i = 0; i < 8 && len > 0; i++, len -= 16) {
    const bits = Math.min(16, len);
    const mask = (0xffff << (16 - bits)) & 0xffff;
    if (((groups[i] as number) & mask) !== ((net[i] as number) & mask)) return false;
  }
  return true;
}

function checkV6(groups: number[]): AddressVerdict {
  const text = formatIPv6(groups);
  for (const r of IPV6_TABLE) {
    if (!inV6(groups, r.net, r.len)) continue;
    if (r.kind === "refuse") return { allowed: false, reason: `${text} is ${r.what} (${r.cidr})` };
    const v4 = r.v4(groups);
    const refused = checkV4(v4);
    if (refused === null) return ALLOWED;
    return { allowed: false, reason: `${text} is ${r.what} (${r.cidr}) of ${formatIPv4(v4)}, ${refused}` };
  }
  // Everything else outside 2000::/3 is unassigned or reserved by the IETF.
  if ((groups[0] as number) >> 13 !== 1) {
    return { allowed: false, reason: `${text} is outside the global unicast range (2000::/3)` };
  }
  return ALLOWED;
}

/**
 * Whether deliveries may go to `ip`, an IPv4 dotted quad or an IPv6 address in standard text (as
 * DNS answers). Anything else (zone ids, legacy IPv4 spellings, host names) is refused: the caller
 * must hand over an address, and failing closed is the safe answer.
 */
export function checkAddress(ip: string): AddressVerdict {
  if (ip.includes(":")) {
    if (ip.includes("%")) return { allowed: false, reason: `${ip} carries a zone id, which is not accepted` };
    const groups = parseIPv6(ip);
    if (groups === null) return { allowed: false, reason: `${JSON.stringify(ip)} is not an IP address` };
    return checkV6(groups);
  }
  const v4 = parseIPv4(ip);
  if (v4 === null) return { allowed: false, reason: `${JSON.stringify(ip)} is not an IP address` };
  const refused = checkV4(v4);
  return refused === null ? ALLOWED : { allowed: false, reason: `${formatIPv4(v4)} is ${refused}` };
}

/**
 * The canonical address when `host` (a URL host name) is an IP literal in any spelling a URL parser
 * or resolver accepts: dotted quad, "[v6]" or bare v6, and the legacy IPv4 forms ("2130706433",
 * "0x7f.0.0.1", "0177.0.0.1", "127.1", a trailing dot). Null for host names and malformed literals.
 * IPv4 comes back as a dotted quad, IPv6 in RFC 5952 form.
 */
export function parseIpLiteral(host: string): string | null {
  let h = host.toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  else if (h.startsWith("[") || h.endsWith("]")) return null;
  if (h.includes(":")) {
    const groups = parseIPv6(h);
    return groups === null ? null : formatIPv6(groups);
  }
  const v4 = parseLegacyIPv4(h);
  return v4 === null ? null : formatIPv4(v4);
}

/** True for "localhost", any "*.localhost" (RFC 6761), with or without a trailing dot. */
export function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.+$/, "");
  return h === "localhost" || h.endsWith(".localhost");
}
