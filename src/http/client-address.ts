// The address a request came from, for per-client limits (the dashboard's sign-in limiter). The
// socket's peer is the one address nobody can forge: app.ts notes it for every request Bun.serve
// hands over (a WeakMap, so nothing outlives its request). X-Forwarded-For is believed only when that
// peer is loopback or private, i.e. could be this deployment's own reverse proxy, and then only its
// rightmost entry: the one that proxy appended; every entry to its left came from the client. A
// public peer's X-Forwarded-For is ignored whatever it says.
//
// A request with no socket was handed in by this process itself (in-process tests, scripts): it is
// treated as coming from loopback, so its X-Forwarded-For (if any) names the client.

import { formatIPv4, formatIPv6, low32, parseIPv4, parseIPv6 } from "../net/ip-address";

const peers = new WeakMap<Request, string>();
/** Longest address text kept (an IPv6 address with an embedded dotted quad is 45 characters). */
const ADDRESS_CHARS_MAX = 64;
/** What a request with no socket is taken to come from. */
const IN_PROCESS_PEER = "127.0.0.1";

/** Records the socket peer address of `request` (from Bun's server.requestIP). */
export function notePeerAddress(request: Request, address: string | undefined): void {
  if (address) peers.set(request, address.slice(0, ADDRESS_CHARS_MAX));
}

/** The client address of `request`: its socket peer, or what that peer's proxy says (see header). */
export function clientAddress(request: Request): string {
  return clientAddressFrom(
    peers.get(request) ?? IN_PROCESS_PEER,
    request.headers.get("x-forwarded-for"),
    request.headers.get("x-real-ip"),
  );
}

/**
 * The rule, pure: `peer` unless it is loopback or private and the proxy named the client (the
 * rightmost X-Forwarded-For entry when it is an IP address, else X-Real-IP when it is one).
 */
export function clientAddressFrom(peer: string, forwardedFor: string | null, realIp: string | null): string {
  if (!isProxyAddress(peer)) return peer;
  const rightmost = forwardedFor?.split(",").at(-1)?.trim();
  if (rightmost && isIpAddress(rightmost)) return rightmost;
  const real = realIp?.trim();
  if (real && isIpAddress(real)) return real;
  return peer;
}

/**
 * What a per-client limit counts for `address`: an IPv4 address itself (an IPv4-mapped IPv6 one
 * as IPv4), an IPv6 address's /64 ("2001:db8:1:2::/64"; one host or site is given at least that
 * much, so counting single addresses lets it try without end), anything else as it is.
 */
export function clientNetwork(address: string): string {
  if (parseIPv4(address) !== null) return address;
  const v6 = parseIPv6(address.replace(/%.*$/, ""));
  if (v6 === null) return address;
  if (isMappedV4(v6)) return formatIPv4(low32(v6));
  return `${formatIPv6([...v6.slice(0, 4), 0, 0, 0, 0])}/64`;
}

function isIpAddress(text: string): boolean {
  return text.length <= ADDRESS_CHARS_MAX && (parseIPv4(text) !== null || parseIPv6(text) !== null);
}

/** Loopback, RFC 1918 private, link-local, IPv6 unique-local, or an IPv4-mapped form of those. */
export function isProxyAddress(address: string): boolean {
  const v4 = parseIPv4(address);
  if (v4 !== null) return isPrivateV4(v4);
  const v6 = parseIPv6(address.replace(/%.*$/, ""));
  if (v6 === null) return false;
  if (isMappedV4(v6)) return isPrivateV4(low32(v6));
  const first = v6[0] as number;
  const loopback = v6.slice(0, 7).every((g) => g === 0) && v6[7] === 1;
  return loopback || (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

function isMappedV4(groups: number[]): boolean {
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
}

// [network, prefix length]: loopback, private (RFC 1918), link-local.
const PRIVATE_V4: Array<[number, number]> = [
  [0x7f000000, 8],
  [0x0a000000, 8],
  [0xac100000, 12],
  [0xc0a80000, 16],
  [0xa9fe0000, 16],
];

function isPrivateV4(address: number): boolean {
  return PRIVATE_V4.some(
    ([net, len]) => Math.floor(address / 2 ** (32 - len)) === Math.floor(net / 2 ** (32 - len)),
  );
}
