// A webhook's destination: its URL parsed once, by one parser, into what registration checks and
// what every delivery attempt uses. Registration refuses a URL that does not parse and, unless private
// targets are allowed, a literal host the SSRF guard refuses; the sender reuses this same parse, so the
// two cannot disagree on scheme, host or credentials. Host names pass here: the delivery path checks
// every address they resolve to, at every attempt (src/delivery/resolve-target.ts).

import { checkAddress, isLocalhostName, parseIpLiteral } from "../net/ssrf-guard";
import type { FieldIssue } from "./errors";

export const URL_LENGTH_MAX = 2048;

/** An http(s) URL with a host and no credentials, in the parts an attempt needs. */
export interface WebhookDestination {
  protocol: "http:" | "https:";
  /** As URL.hostname gives it (IPv6 literals in brackets): what the resolver checks. */
  hostname: string;
  /** The Host header: host name and, when not the scheme's default, port. */
  host: string;
  /** Explicit or the scheme's default. */
  port: string;
  pathAndSearch: string;
  /** The canonical address when the host is an IP literal; null for a name (resolved at delivery). */
  literal: string | null;
}

export type DestinationParse = { ok: true; destination: WebhookDestination } | { ok: false; reason: string };

const invalid = (reason: string): DestinationParse => ({ ok: false, reason });

/**
 * `raw` as a destination, or why it cannot be one. URLs with credentials (user:password@) are refused
 * rather than parsed without them, so no part of a webhook's URL can travel as an Authorization header.
 */
export function parseWebhookDestination(raw: string): DestinationParse {
  if (raw.length > URL_LENGTH_MAX) return invalid(`must be at most ${URL_LENGTH_MAX} characters`);
  // The URL parser would trim these silently; refuse them so the stored URL is the one checked.
  if (raw !== raw.trim()) return invalid("must not have leading or trailing whitespace");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid("must be an absolute http or https URL");
  }
  const protocol = url.protocol;
  if (protocol !== "http:" && protocol !== "https:") return invalid("must use the http or https scheme");
  if (url.username !== "" || url.password !== "") {
    return invalid("must not contain credentials (user:password@)");
  }
  if (url.hostname === "") return invalid("must name a host");
  // Port 0 names no service: every delivery would fail to connect.
  if (url.port === "0") return invalid("must not use port 0");
  return {
    ok: true,
    destination: {
      protocol,
      hostname: url.hostname,
      host: url.host,
      port: url.port || (protocol === "https:" ? "443" : "80"),
      pathAndSearch: `${url.pathname}${url.search}`,
      literal: parseIpLiteral(url.hostname),
    },
  };
}

/**
 * Why the SSRF guard refuses `destination` from its URL alone (a localhost name, or a literal address
 * outside public unicast), or null. Always null when private targets are allowed.
 */
function destinationRefusal(destination: WebhookDestination, allowPrivateTargets: boolean): string | null {
  if (allowPrivateTargets) return null;
  const host = destination.hostname;
  if (isLocalhostName(host)) return `${host} is a loopback host name`;
  if (destination.literal !== null) {
    const verdict = checkAddress(destination.literal);
    return verdict.allowed ? null : verdict.reason;
  }
  if (host.startsWith("[")) return `${host} is not a valid IPv6 literal`;
  return null;
}

/** The reason `raw` cannot be a webhook destination on this server, or undefined when it can. */
export function checkWebhookUrl(
  raw: string,
  allowPrivateTargets: boolean,
  field = "/url",
): FieldIssue | undefined {
  const parsed = parseWebhookDestination(raw);
  if (!parsed.ok) return { field, reason: parsed.reason };
  const refusal = destinationRefusal(parsed.destination, allowPrivateTargets);
  return refusal === null ? undefined : { field, reason: refusal };
}
