// One signed HTTP attempt to a webhook, with its outcome returned as a value (never thrown).
//
// Guarantees:
// - the whole attempt (name resolution, connect, headers and the body read) is bounded by
//   `timeoutMs`; the timer is always cleared in `finally`, whatever happens;
// - the request goes to the address the SSRF check approved (the URL names that IP; the Host header
//   and the TLS server name carry the webhook's host, so the certificate is still verified for it);
// - redirects are never followed: a 3xx is a failure of class "redirect";
// - at most MAX_RESPONSE_BYTES of the response body are read, then the stream is cancelled, so a
//   receiver streaming without end costs neither memory nor time.

import type { ErrorClass } from "../storage/records";
import type { TargetResolver } from "./resolve-target";
import { parseRetryAfter } from "./retry-policy";
import { signHeaders } from "./signing";

/** How much of a response body is kept (and read at all). */
export const MAX_RESPONSE_BYTES = 4096;

export interface SendTarget {
  url: string;
  /** The webhook's signing secret (`whsec_…`). */
  secret: string;
}

export interface SendRequest {
  /** The exact body bytes to send and sign. */
  body: string;
  eventId: string;
  eventType: string;
  /** Null for test sends: the X-Inbox-Delivery-Id header is then omitted. */
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
  const fail = (
    errorClass: ErrorClass,
    message: string,
    status: number | null = null,
    body: string | null = null,
    retryAfterMs: number | null = null,
  ): SendOutcome => ({ ok: false, errorClass, status, message, body, durationMs: elapsed(), retryAfterMs });

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new AttemptTimeout());
  }, opts.timeoutMs);
  const onOuterAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (opts.signal?.aborted) onOuterAbort();
  let status: number | null = null;
  try {
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      return fail("network", "webhook URL is not a valid URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return fail("network", `unsupported URL scheme ${url.protocol}`);
    }
    const resolved = await untilAborted(opts.resolver.resolve(url.hostname), controller.signal);
    if (!resolved.ok) return fail(resolved.errorClass, resolved.message);

    const https = url.protocol === "https:";
    const port = url.port || (https ? "443" : "80");
    const ipHost = resolved.family === 6 ? `[${resolved.address}]` : resolved.address;
    const pinnedUrl = `${url.protocol}//${ipHost}:${port}${url.pathname}${url.search}`;
    const signed = signHeaders({
      secret: target.secret,
      body: request.body,
      eventId: request.eventId,
      timestampSeconds: Math.floor(now() / 1000),
    });
    const headers: Record<string, string> = {
      Host: url.host,
      "Content-Type": "application/json",
      "User-Agent": opts.userAgent,
      ...signed,
      "X-Inbox-Event-Id": request.eventId,
      "X-Inbox-Event-Type": request.eventType,
      "X-Inbox-Attempt": String(request.attempt),
    };
    if (request.deliveryId !== null) headers["X-Inbox-Delivery-Id"] = request.deliveryId;
    if (url.username || url.password) {
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      headers.Authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
    }
    const isNameHost = !url.hostname.startsWith("[") && !/^[\d.]+$/.test(url.hostname);
    const tls = https
      ? { ...(isNameHost ? { serverName: url.hostname } : {}), ...(opts.tlsCa ? { ca: opts.tlsCa } : {}) }
      : undefined;

    const response = await fetch(pinnedUrl, {
      method: "POST",
      body: request.body,
      headers,
      redirect: "manual",
      signal: controller.signal,
      keepalive: true,
      ...(tls ? { tls } : {}),
    });
    status = response.status;
    // The status decides the outcome; a body that cannot be read within the timeout only
    // shortens what is kept of it.
    const body = await readCapped(response);

    if (status >= 200 && status < 300) return { ok: true, status, body, durationMs: elapsed() };
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
      status === 429 || status === 503 ? parseRetryAfter(response.headers.get("retry-after"), now()) : null;
    return fail("http_status", `HTTP ${status}`, status, body, retryAfterMs);
  } catch (err) {
    if (timedOut) return fail("timeout", `no response within ${opts.timeoutMs} ms`, status);
    if (opts.signal?.aborted) return fail("network", "attempt aborted: shutting down", status);
    const { errorClass, message } = classifyError(err);
    return fail(errorClass, message, status);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onOuterAbort);
  }
}

/** Reads up to MAX_RESPONSE_BYTES of the body, then cancels the rest. Never throws. */
async function readCapped(response: Response): Promise<string> {
  const stream = response.body;
  if (!stream) return "";
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < MAX_RESPONSE_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = value.subarray(0, MAX_RESPONSE_BYTES - total);
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
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

/** Rejects with the signal's reason as soon as it aborts, so a slow DNS answer cannot outlive the timeout. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
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
