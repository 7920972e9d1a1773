// Turns a webhook URL's host into the one address an attempt connects to, after the SSRF check.
//
// Guarantees:
// - every address the host resolves to is checked, and one forbidden address refuses the whole host
//   (unless private targets are allowed), so a name that mixes public and internal records cannot
//   be used to reach the internal one;
// - the address returned is one that was checked: the sender connects to it, never re-resolving the
//   name, so DNS rebinding between check and connect cannot redirect the request;
// - answers are cached for a short TTL with a bounded number of hosts, and concurrent look-ups of
//   one host share a single resolution, so throughput is not bound by DNS;
// - a refusal's message (kept in the tenant's delivery log) never says what a host name resolves
//   to, so tenants cannot map internal names through it; the operator's log gets the address and
//   the reason, one line each time a refusal is decided (so at most once per host per TTL).

import { promises as dns } from "node:dns";
import { checkAddress, parseIpLiteral } from "../net/ssrf-guard";
import type { Logger } from "../observability/logger";

export type ResolveResult =
  | { ok: true; address: string; family: 4 | 6 }
  | { ok: false; errorClass: "dns" | "ssrf_blocked"; message: string };

export interface ResolvedAddress {
  address: string;
  family: number;
}

export type LookupFn = (host: string) => Promise<ResolvedAddress[]>;

export interface TargetResolverOptions {
  /** Lifts the SSRF guard (development and tests). */
  allowPrivate: boolean;
  /** How long a checked answer (or a refusal) is reused. */
  ttlMs?: number;
  /** How long a DNS failure is remembered, so a dead name does not cost a look-up per attempt. */
  failureTtlMs?: number;
  /** Hosts kept in the cache; the oldest entry goes first. */
  entriesMax?: number;
  now?: () => number;
  lookup?: LookupFn;
  /** Where refusals are logged with the address they were for. */
  logger?: Pick<Logger, "warn">;
}

export interface TargetResolver {
  /** `host` as URL.hostname gives it: lower-case, IPv6 literals in brackets. */
  resolve(host: string): Promise<ResolveResult>;
}

const defaultLookup: LookupFn = (host) => dns.lookup(host, { all: true });

/** Every address `host` resolves to, or the DNS failure as a result. */
async function lookupAll(lookup: LookupFn, host: string): Promise<ResolvedAddress[] | ResolveResult> {
  let answers: ResolvedAddress[];
  try {
    answers = await lookup(host);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return {
      ok: false,
      errorClass: "dns",
      message: `DNS lookup of ${host} failed${code ? ` (${code})` : ""}`,
    };
  }
  if (answers.length === 0)
    return { ok: false, errorClass: "dns", message: `DNS lookup of ${host} found no address` };
  return answers;
}

/**
 * The address to connect to, or the first forbidden one. Every answer is checked first: one
 * forbidden address refuses the host whichever one we would pick. `answers` is not empty.
 */
function chooseAddress(
  answers: ResolvedAddress[],
  allowPrivate: boolean,
): { address: string; family: 4 | 6 } | { refused: string; reason: string } {
  const checked: Array<{ address: string; family: 4 | 6 }> = [];
  for (const a of answers) {
    const verdict = allowPrivate ? { allowed: true as const } : checkAddress(a.address);
    if (!verdict.allowed) return { refused: a.address, reason: verdict.reason };
    checked.push({ address: a.address, family: a.family === 6 ? 6 : 4 });
  }
  // Prefer IPv4: receivers (and test servers) most often listen there, and one address is enough.
  return checked.find((a) => a.family === 4) ?? (checked[0] as { address: string; family: 4 | 6 });
}

export function createTargetResolver(opts: TargetResolverOptions): TargetResolver {
  const ttlMs = opts.ttlMs ?? 30_000;
  const failureTtlMs = opts.failureTtlMs ?? 5_000;
  const entriesMax = opts.entriesMax ?? 10_000;
  const now = opts.now ?? Date.now;
  const lookup = opts.lookup ?? defaultLookup;
  const cache = new Map<string, { expires: number; result: ResolveResult }>();
  const pending = new Map<string, Promise<ResolveResult>>();
  /**
   * Each host's parse, done once: an IP literal's verdict (which never changes), or null for a name,
   * which goes to DNS.
   */
  const literals = new Map<string, Promise<ResolveResult> | null>();

  const refuse = (host: string, address: string, reason: string, message: string): ResolveResult => {
    opts.logger?.warn("delivery destination refused", { host, address, reason });
    return { ok: false, errorClass: "ssrf_blocked", message };
  };

  const check = (address: string, family: 4 | 6): ResolveResult => {
    if (opts.allowPrivate) return { ok: true, address, family };
    const verdict = checkAddress(address);
    if (verdict.allowed) return { ok: true, address, family };
    // The URL names this address itself, so saying why it is refused reveals nothing new.
    return refuse(address, address, verdict.reason, `destination not allowed: ${verdict.reason}`);
  };

  const resolveName = async (host: string): Promise<ResolveResult> => {
    const answers = await lookupAll(lookup, host);
    if (!Array.isArray(answers)) return answers;
    const chosen = chooseAddress(answers, opts.allowPrivate);
    if ("address" in chosen) return { ok: true, ...chosen };
    return refuse(
      host,
      chosen.refused,
      chosen.reason,
      `destination not allowed: ${host} resolves to an address that webhooks may not reach`,
    );
  };

  const remember = (host: string, result: ResolveResult) => {
    const life = !result.ok && result.errorClass === "dns" ? failureTtlMs : ttlMs;
    if (life <= 0) return;
    cache.delete(host);
    cache.set(host, { expires: now() + life, result });
    if (cache.size > entriesMax) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  };

  /** The verdict on an IP literal, parsed once per host; null when `host` is a name. */
  const literalVerdict = (host: string): Promise<ResolveResult> | null => {
    let verdict = literals.get(host);
    if (verdict === undefined) {
      const literal = parseIpLiteral(host);
      verdict = literal === null ? null : Promise.resolve(check(literal, literal.includes(":") ? 6 : 4));
      if (literals.size >= entriesMax) literals.clear();
      literals.set(host, verdict);
    }
    return verdict;
  };

  /** A name's answer from the cache, or from the one lookup of it in flight, or from a new lookup. */
  const resolveCached = (host: string): Promise<ResolveResult> => {
    const hit = cache.get(host);
    if (hit && hit.expires > now()) return Promise.resolve(hit.result);
    const inFlight = pending.get(host);
    if (inFlight) return inFlight;
    const p = resolveName(host).then((result) => {
      pending.delete(host);
      remember(host, result);
      return result;
    });
    pending.set(host, p);
    return p;
  };

  return {
    resolve(rawHost: string): Promise<ResolveResult> {
      const host = rawHost.startsWith("[") && rawHost.endsWith("]") ? rawHost.slice(1, -1) : rawHost;
      return literalVerdict(host) ?? resolveCached(host);
    },
  };
}
