// Custom headers a webhook sends with every attempt (issue 11): what may be registered, and which
// names the delivery engine keeps for itself. Pure.
//
// Limits: at most HEADERS_MAX entries; a name is an RFC 9110 token of at most HEADER_NAME_MAX
// characters; a value is at most HEADER_VALUE_BYTES_MAX bytes of printable ASCII (spaces and tabs
// inside it, none at either end): what an HTTP field value can carry unambiguously (fetch refuses
// characters above U+00FF, and a Latin-1 byte has no agreed meaning to receivers). Names are
// case-insensitive: two that differ only by case are refused. Reserved names (those the engine
// sets, and hop-by-hop headers) are refused here and skipped by the sender as well.

import type { FieldIssue } from "./errors";

export const HEADERS_MAX = 20;
export const HEADER_NAME_MAX = 256;
export const HEADER_VALUE_BYTES_MAX = 1024;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Printable ASCII, with spaces and tabs only between visible characters. */
const FIELD_VALUE = /^(?:[!-~](?:[ \t!-~]*[!-~])?)?$/;

/** Set by the engine on every attempt, or hop-by-hop (connection management belongs to the client). */
const RESERVED = new Set([
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "user-agent",
  "keep-alive",
  "te",
  "trailer",
  "upgrade",
  "proxy-connection",
  "expect",
]);
const RESERVED_PREFIXES = ["x-inbox-", "webhook-"];

/** True for a name the engine owns (case-insensitive): never taken from a webhook's headers. */
export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED.has(lower) || RESERVED_PREFIXES.some((p) => lower.startsWith(p));
}

/** A JSON pointer token for `name` (RFC 6901: "~" and "/" escaped). */
const pointerToken = (name: string) => name.replaceAll("~", "~0").replaceAll("/", "~1");

/** Why each entry of `headers` cannot be registered, named /headers/<name>; empty when all can. */
export function headerIssues(headers: Readonly<Record<string, unknown>>): FieldIssue[] {
  const names = Object.keys(headers);
  if (names.length > HEADERS_MAX)
    return [{ field: "/headers", reason: `must have at most ${HEADERS_MAX} headers` }];
  const issues: FieldIssue[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const reason = nameProblem(name, seen) ?? valueProblem(headers[name]);
    if (reason) issues.push({ field: `/headers/${pointerToken(name)}`, reason });
    seen.set(name.toLowerCase(), name);
  }
  return issues;
}

function nameProblem(name: string, seen: ReadonlyMap<string, string>): string | undefined {
  if (name.length === 0 || name.length > HEADER_NAME_MAX || !TOKEN.test(name))
    return `is not a valid header name: 1 to ${HEADER_NAME_MAX} characters of A-Z a-z 0-9 ! # $ % & ' * + - . ^ _ \` | ~ (an RFC 9110 token)`;
  if (isReservedHeader(name))
    return `"${name}" is set by the server and cannot be replaced (reserved: Host, Content-Length, Content-Type, Transfer-Encoding, Connection, User-Agent, hop-by-hop headers, X-Inbox-* and webhook-*)`;
  const earlier = seen.get(name.toLowerCase());
  if (earlier !== undefined) return `duplicates "${earlier}": header names are case-insensitive`;
  return undefined;
}

function valueProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return "must be a string";
  if (value.length > HEADER_VALUE_BYTES_MAX) return `must be at most ${HEADER_VALUE_BYTES_MAX} bytes`;
  if (!FIELD_VALUE.test(value))
    return "must be printable ASCII without control characters (spaces and tabs only between other characters)";
  return undefined;
}
