// The settled configuration every component receives from the composition root. Nothing below
// src/main.ts reads process.env; parsing and validation live in ./load-config.ts.

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Config {
  /** TCP port of the HTTP API. */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** Directory holding the LMDB environment; created when missing. Unused with databaseUrl. */
  dataDir: string;
  /**
   * PostgreSQL connection URL; when set, the store is that database (shared by any number of
   * replicas) instead of LMDB in dataDir. Holds a password: log it only through redactDatabaseUrl.
   */
  databaseUrl: string | undefined;
  /** Connections in this replica's PostgreSQL pool at most. */
  databasePoolMax: number;
  /** How much longer than the attempt timeout a lease on due work lasts, ms. */
  leaseMarginMs: number;
  /** This replica's id, the owner of its leases: unique among the replicas sharing a database. */
  replicaId: string;
  /** The admin key, when given; otherwise one is generated on first start and printed once. */
  adminKey: string | undefined;
  /** Delay before each attempt, in ms; its length is the number of attempts. First is usually 0. */
  retrySchedule: number[];
  /** Per-attempt timeout, ms. */
  timeoutMs: number;
  /** Attempts in flight overall. */
  concurrency: number;
  /** Attempts in flight per webhook. */
  webhookConcurrency: number;
  /** How long attempts and finished events are kept, ms. */
  retentionMs: number;
  /** Largest accepted request body, bytes. */
  bodyBytesMax: number;
  /** Lifts the SSRF guard (development and tests only). */
  allowPrivateTargets: boolean;
  logLevel: LogLevel;
  /** Longest wait honoured from a receiver's Retry-After, ms. */
  retryAfterMsMax: number;
  /** How long shutdown waits for attempts in flight, ms. */
  shutdownGraceMs: number;
  /** Most webhooks one account may have; creating one more answers 422 limit_exceeded. */
  webhooksPerAccountMax: number;
  /** Most deliveries one publish request (single or batch) may create; more answers 422. */
  deliveriesPerPublishMax: number;
  /** Levels of objects and arrays allowed in a published event's `data` (`data` itself is level 1). */
  dataDepthMax: number;
  /** Attempts in flight per account: at least webhookConcurrency, at most concurrency. */
  accountConcurrency: number;
  /** A webhook whose attempts have all failed for this long is disabled, ms; 0 never. */
  disableAfterMs: number;
  /** Webhooks that get their own series in the per-webhook attempt counter; 0 turns it off. */
  metricsWebhooksMax: number;
  /** Origins whose browsers may call the API (exact origins, or ["*"]); undefined: no CORS headers. */
  corsOrigins: string[] | undefined;
  /**
   * The address people and the platform reach this server at (scheme, host, port; no path), for
   * the OpenAPI document's `servers`, portal links and the Secure flag of dashboard cookies (set
   * when https). Undefined: taken from each request (X-Forwarded-Proto/-Host honoured).
   */
  publicUrl: string | undefined;
  /**
   * Origins allowed to frame the dashboard's customer portal (CSP frame-ancestors); undefined:
   * framing is refused everywhere.
   */
  portalFrameAncestors: string[] | undefined;
  /** How long a dashboard session lasts at most from sign-in, ms. */
  sessionTtlMs: number;
  /** A dashboard session unused for this long ends, ms. */
  sessionIdleMs: number;
}
