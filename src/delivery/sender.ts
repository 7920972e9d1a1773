// One signed HTTP attempt to a webhook, with its outcome returned as a value (never thrown).
//
// Guarantees:
// - the whole attempt (name resolution, connect, headers and the body read) is bounded by
//   `timeoutMs`; the timer is always cleared in `finally`, whatever happens;
// - the request goes to the address the SSRF check approved (the URL names that IP; the Host header
//   and the TLS server name carry the webhook's host, so the certificate is still verified for it);
// - redirects are never followed: a 3xx is a failure of class "redirect";
// - at most RESPONSE_BYTES_MAX of the response body are read, then the stream is cancelled, so a
//   receiver streaming without end costs neither memory nor time (a body whose Content-Length
//   promises no more than that, uncompressed, is read in one piece: the common case, and cheaper);
// - the URL is parsed by the same parser registration uses (src/domain/webhook-destination.ts), once
//   per URL string while it stays among the last PARSED_URLS_MAX parsed; a stored URL it refuses
//   (credentials, another scheme) fails every attempt without a connection, and its message never
//   repeats the URL;
// - a webhook's custom headers are sent as registered, but never one the engine owns
//   (isReservedHeader): Host, Content-Type, the signature and X-Inbox-* headers cannot be replaced,
//   even by a stored record that bypassed registration's checks.

import { parseWebhookDestination, type WebhookDestination } from "../domain/webhook-destination";
import { isReservedHeader } from "../domain/webhook-headers";
import type { ErrorClass } from "../storage/records";
import type { ResolveResult, TargetResolver } from "./resolve-target";
import { parseRetryAfter } from "./retry-policy";
import { signHeaders } from "./signing";

/** How much of a response body is kept (and read at all). */
export const RESPONSE_BYTES_MAX = 4096;

export interface SendTarget {
  url: string;
  /** The webhook's signing secret (`whsec_…`). */
  secret: string;
  /** The secret before its last rotation, only while the rotation's overlap lasts (signing.ts). */
  previousSecret?: string | undefined;
  /** The webhook's custom headers (at most 20, checked at registration); reserved names skipped. */
  headers?: Readonly<Record<string, string>> | undefined;
}

export interface SendRequest {
  /** The exact body bytes to send and sign. */
  body: string;
  eventId: string;
  eventType: string;
  /**
   * Null for test sends: the X-Inbox-Delivery-Id header is then omitted and X-Inbox-Test: true is
   * sent instead, so that receivers can tell them from real deliveries (which never carry it).
   */
  deliveryId: string | null;
  /** 1-based. */
  attempt: number;
}

export interface SendOptions {
  resolver: TargetResolver;
  timeoutMs: number;
  /** `InboxWebhooks/<version>`. */
  userAgent: string;
  /** Aborts the attempt from outside (shutdown); the outcome is then a "network" failure. */
  signal?: AbortSignal;
  now?: () => number;
  /** Extra trust anchors (PEM) for receivers with private certificates; tests only. */
  tlsCa?: string;
}

export type SendOutcome =
  | { ok: true; status: number; body: string; durationMs: number }
  | {
      ok: false;
      errorClass: ErrorClass;
      status: number | null;
      message: string;
      body: string | null;
      durationMs: number;
      /** The receiver's Retry-After (429/503) as a delay from now, ms. */
      retryAfterMs: number | null;
    };

class AttemptTimeout extends Error {}

export async function send(
  target: SendTarget,
  request: SendRequest,
  opts: SendOptions,
): Promise<SendOutcome> {
  const now = opts.now ?? Date.now;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail: Fail = (errorClass, message, status = null, body = null, retryAfterMs = null) => ({
    ok: false,
    errorClass,
    status,
    message,
    body,
    durationMs: elapsed(),
    retryAfterMs,
  });

  const controller = new AbortController();
  let timedOut = false;
  // Set while the name resolution is awaited, so an abort ends that wait too.
  let rejectWait: ((reason: unknown) => void) | null = null;
  const abort = (reason: unknown) => {
    controller.abort(reason);
    rejectWait?.(reason);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    abort(new AttemptTimeout());
  }, opts.timeoutMs);
  const outer = opts.signal;
  if (outer) linkAbort(outer, abort);
  let status: number | null = null;
  try {
    const url = destinationOf(target.url);
    if (typeof url === "string") return fail("network", url);
    // Bounded by the timeout even when the resolver is slower (a slow DNS answer).
    if (controller.signal.aborted) throw controller.signal.reason;
    const resolved = await new Promise<ResolveResult>((resolve, reject) => {
      rejectWait = reject;
      opts.resolver.resolve(url.hostname).then(resolve, reject);
    });
    rejectWait = null;
    if (!resolved.ok) return fail(resolved.errorClass, resolved.message);

    const { pinnedUrl, init } = buildRequest(target, request, url, resolved, {
      userAgent: opts.userAgent,
      tlsCa: opts.tlsCa,
      timestampSeconds: Math.floor(now() / 1000),
      signal: controller.signal,
    });
    const response = await fetch(pinnedUrl, init);
    status = response.status;
    // The status decides the outcome; a body that cannot be read within the timeout only
    // shortens what is kept of it.
    const body = await readBody(response);

    if (status >= 200 && status < 300) return { ok: true, status, body, durationMs: elapsed() };
    return failedOutcome(response, body, now(), fail);
  } catch (err) {
    if (timedOut) return fail("timeout", `no response within ${opts.timeoutMs} ms`, status);
    if (outer?.aborted) return fail("network", "attempt aborted: shutting down", status);
    const { errorClass, message } = classifyError(err);
    return fail(errorClass, message, status);
  } finally {
    clearTimeout(timer);
    if (outer) unlinkAbort(outer, abort);
  }
}

type Fail = (
  errorClass: ErrorClass,
  message: string,
  status?: number | null,
  body?: string | null,
  retryAfterMs?: number | null,
) => SendOutcome;

/** The outcome of a response that is not a 2xx: a redirect (never followed) or a failing status. */
function failedOutcome(response: Response, body: string, nowMs: number, fail: Fail): SendOutcome {
  const status = response.status;
  if (status >= 300 && status < 400) {
    const location = response.headers.get("location");
    return fail(
      "redirect",
      `HTTP ${status} redirect${location ? ` to ${location}` : ""} (not followed)`,
      status,
      body,
    );
  }
  const retryAfterMs =
    status === 429 || status === 503 ? parseRetryAfter(response.headers.get("retry-after"), nowMs) : null;
  return fail("http_status", `HTTP ${status}`, status, body, retryAfterMs);
}

/**
 * The signed request to the approved address: the URL names that IP, while the Host header and the
 * TLS server name carry the webhook's host.
 */
function buildRequest(
  target: SendTarget,
  request: SendRequest,
  url: WebhookDestination,
  resolved: Extract<ResolveResult, { ok: true }>,
  opts: Pick<SendOptions, "userAgent" | "tlsCa"> & { timestampSeconds: number; signal: AbortSignal },
): { pinnedUrl: string; init: RequestInit & { tls?: { serverName?: string; ca?: string } } } {
  const ipHost = resolved.family === 6 ? `[${resolved.address}]` : resolved.address;
  const pinnedUrl = `${url.protocol}//${ipHost}:${url.port}${url.pathAndSearch}`;
  const signed = signHeaders({
    secret: target.secret,
    previousSecret: target.previousSecret,
    body: request.body,
    eventId: request.eventId,
    timestampSeconds: opts.timestampSeconds,
  });
  const own: Record<string, string> = {
    Host: url.host,
    "Content-Type": "application/json",
    "User-Agent": opts.userAgent,
    "X-Inbox-Signature": signed["X-Inbox-Signature"],
    "X-Inbox-Timestamp": signed["X-Inbox-Timestamp"],
    "webhook-id": signed["webhook-id"],
    "webhook-timestamp": signed["webhook-timestamp"],
    "webhook-signature": signed["webhook-signature"],
    "X-Inbox-Event-Id": request.eventId,
    "X-Inbox-Event-Type": request.eventType,
    "X-Inbox-Attempt": String(request.attempt),
  };
  if (request.deliveryId !== null) own["X-Inbox-Delivery-Id"] = request.deliveryId;
  else own["X-Inbox-Test"] = "true";
  // The custom headers first, then the engine's own, which win. Without custom headers (the
  // common case) the engine's object is sent as it is, with no copy.
  const headers = target.headers ? { ...customHeaders(target.headers), ...own } : own;
  const init: RequestInit & { tls?: { serverName?: string; ca?: string } } = {
    method: "POST",
    body: request.body,
    headers,
    redirect: "manual",
    signal: opts.signal,
    keepalive: true,
  };
  if (url.protocol === "https:") {
    init.tls = {
      // Certificates are checked against the host name; an IP literal has none to send.
      ...(url.literal === null ? { serverName: url.hostname } : {}),
      ...(opts.tlsCa ? { ca: opts.tlsCa } : {}),
    };
  }
  return { pinnedUrl, init };
}

/**
 * The custom headers to send: all but reserved names (which registration refuses, so this drops
 * something only for a record written around it). Whatever it keeps, the engine's own headers are
 * set after them and win.
 */
function customHeaders(custom: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const cached = sendableHeaders.get(custom);
  if (cached) return cached;
  // No prototype: a header named "__proto__" (a valid token) is a header like any other.
  const out: Record<string, string> = Object.create(null);
  for (const name in custom) {
    const value = custom[name];
    if (value !== undefined && !isReservedHeader(name)) out[name] = value;
  }
  sendableHeaders.set(custom, out);
  return out;
}

/**
 * The sendable headers of each headers object seen: a webhook record stays the same object while
 * the read cache holds it, so its attempts check the names once. Entries go with their records.
 */
const sendableHeaders = new WeakMap<Readonly<Record<string, string>>, Readonly<Record<string, string>>>();

/** Parses kept, by URL string; the oldest goes first. Entries are pure functions of the string. */
const PARSED_URLS_MAX = 1024;
const destinations = new Map<string, WebhookDestination | string>();

/** The URL's destination, or why it cannot be sent to. */
function destinationOf(raw: string): WebhookDestination | string {
  const cached = destinations.get(raw);
  if (cached !== undefined) return cached;
  const parsed = parseWebhookDestination(raw);
  const entry = parsed.ok ? parsed.destination : `webhook URL ${parsed.reason}`;
  if (destinations.size >= PARSED_URLS_MAX) {
    const oldest = destinations.keys().next().value;
    if (oldest !== undefined) destinations.delete(oldest);
  }
  destinations.set(raw, entry);
  return entry;
}

/**
 * Attempts in flight under each outer signal. One listener per outer signal aborts them all, so an
 * attempt costs a Set insertion and deletion rather than an event listener on a signal that every
 * attempt shares.
 */
const linkedAborts = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();

function linkAbort(outer: AbortSignal, abort: (reason: unknown) => void): void {
  if (outer.aborted) {
    abort(outer.reason);
    return;
  }
  let attempts = linkedAborts.get(outer);
  if (!attempts) {
    const set = new Set<(reason: unknown) => void>();
    linkedAborts.set(outer, set);
    outer.addEventListener(
      "abort",
      () => {
        linkedAborts.delete(outer);
        for (const a of set) a(outer.reason);
        set.clear();
      },
      { once: true },
    );
    attempts = set;
  }
  attempts.add(abort);
}

function unlinkAbort(outer: AbortSignal, abort: (reason: unknown) => void): void {
  linkedAborts.get(outer)?.delete(abort);
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Up to RESPONSE_BYTES_MAX of the body as (lossy) UTF-8. Never throws. */
function readBody(response: Response): Promise<string> | string {
  // No body by the protocol's framing (RFC 9112 §6.3).
  if (response.status === 204 || response.status === 304) return "";
  const length = smallBodyLength(response.headers);
  if (length === 0) return "";
  return length === null ? readCapped(response) : readWhole(response);
}

/**
 * The body's length when the headers promise one of at most RESPONSE_BYTES_MAX as sent, null
 * otherwise (no Content-Length, chunked, larger, or content-encoded: fetch decompresses, so a small
 * compressed length says nothing about the size read).
 */
export function smallBodyLength(headers: Headers): number | null {
  const raw = headers.get("content-length");
  if (raw === null || !/^\d{1,5}$/.test(raw)) return null;
  const length = Number(raw);
  if (length > RESPONSE_BYTES_MAX || headers.has("content-encoding")) return null;
  return length;
}

/**
 * A body of known small length, read whole. It is bounded by the attempt's timeout like the rest
 * of fetch; if it fails part-way (timeout, reset) nothing of it is kept.
 */
async function readWhole(response: Response): Promise<string> {
  try {
    const bytes = await response.bytes();
    return utf8.decode(bytes.length > RESPONSE_BYTES_MAX ? bytes.subarray(0, RESPONSE_BYTES_MAX) : bytes);
  } catch {
    return "";
  }
}

/** Reads up to RESPONSE_BYTES_MAX of a streamed body, then cancels the rest. Never throws. */
async function readCapped(response: Response): Promise<string> {
  const stream = response.body;
  if (!stream) return "";
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < RESPONSE_BYTES_MAX) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = value.subarray(0, RESPONSE_BYTES_MAX - total);
      chunks.push(take);
      total += take.length;
    }
  } catch {
    // Timed out or reset mid-body: keep what arrived.
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return utf8.decode(bytes);
}

const TLS_CODE = /CERT|TLS|SSL|EPROTO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH/;

/**
 * Maps a fetch failure to an error class by Bun's error `code` (observed against local sockets:
 * ECONNREFUSED for a closed port, ECONNRESET for a peer that closes or sends garbage, EPROTO for a
 * TLS handshake with a non-TLS server, DEPTH_ZERO_SELF_SIGNED_CERT / ERR_TLS_CERT_ALTNAME_INVALID /
 * CERT_HAS_EXPIRED for certificate problems).
 */
export function classifyError(err: unknown): { errorClass: ErrorClass; message: string } {
  const code = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : "";
  const raw = err instanceof Error ? err.message : String(err);
  // Bun appends advice meant for developers; keep the logs to the point.
  const message = raw.replace(/\s*For more information, pass `verbose: true`.*$/s, "");
  if (code === "ECONNREFUSED") return { errorClass: "connection_refused", message };
  if (code === "ECONNRESET" || code === "EPIPE" || code === "ECONNABORTED" || code === "UND_ERR_SOCKET") {
    return { errorClass: "reset", message };
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME" || code === "DNSException") {
    return { errorClass: "dns", message };
  }
  if (TLS_CODE.test(code)) return { errorClass: "tls", message };
  if (/socket.*closed|connection.*closed/i.test(message)) return { errorClass: "reset", message };
  return {
    errorClass: "network",
    message: code && !message.includes(code) ? `${code}: ${message}` : message,
  };
}
