// What a failed PostgreSQL call means for the store. Bun's client puts the SQLSTATE in `errno`
// (a server error) and its own reason in `code` (ERR_POSTGRES_CONNECTION_CLOSED, …).

import { StoreFullError, StoreUnavailableError } from "../store";

/**
 * A statement had no answer within its deadline: the server or the network went silent (a failover
 * that moved the address, a partition), which TCP alone may take hours to notice. Whether it took
 * effect is unknown, as when a connection drops; it counts as an outage.
 */
export class QueryDeadlineError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`no answer from the database within ${deadlineMs} ms`);
    this.name = "QueryDeadlineError";
  }
}

export type FailureKind = "retry" | "connection" | "full" | "other";

/** Serialization failure and deadlock: the transaction rolled back and may simply run again. */
const RETRYABLE = new Set(["40001", "40P01"]);
/** Admin shutdown, crash shutdown, cannot connect now, too many connections, read-only standby. */
const UNAVAILABLE = new Set(["57P01", "57P02", "57P03", "53300", "25006"]);

function sqlState(error: unknown): string | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === "string" && /^[0-9A-Z]{5}$/.test(errno) ? errno : undefined;
}

function clientCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

/** Bun's client codes (and socket errors) that mean the server could not be reached or went away. */
const LOST =
  /^(ERR_POSTGRES_(CONNECTION_[A-Z_]+|IDLE_TIMEOUT|LIFETIME_TIMEOUT)|ECONN[A-Z]+|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/;

export function classify(error: unknown): FailureKind {
  if (error instanceof QueryDeadlineError) return "connection";
  const state = sqlState(error);
  if (state !== undefined) {
    if (RETRYABLE.has(state)) return "retry";
    if (state.startsWith("08") || UNAVAILABLE.has(state)) return "connection";
    if (state === "53100") return "full";
    // Anything else the server said (a constraint, bad credentials 28P01, …) is not an outage.
    return "other";
  }
  return LOST.test(clientCode(error)) ? "connection" : "other";
}

/** The error a caller of the store sees for `error`. */
export function storeError(error: unknown): unknown {
  switch (classify(error)) {
    case "connection":
      return new StoreUnavailableError(error);
    case "full":
      return new StoreFullError(error);
    default:
      return error;
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === "23505";
}
