// What domain services report when a request cannot be carried out. Services never see HTTP; the
// HTTP error handler (src/http/error-handler.ts) maps each kind to its status and JSON body.

/**
 * One offending input and why it is wrong: the API's one vocabulary for bad input, rendered as-is in
 * error details. `field` is a JSON pointer into the body (`/events/3/data/to`) or a bare query
 * parameter name (`limit`).
 */
export interface FieldIssue {
  field: string;
  reason: string;
}

/** idempotency_conflict: an event id reused with a different type or data (./idempotency.ts). */
export type DomainErrorKind = "not_found" | "conflict" | "invalid" | "idempotency_conflict";

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
    this.name = "DomainError";
  }

  /** A missing id and a foreign id answer the same, so callers cannot probe other accounts. */
  static notFound(what: string): DomainError {
    return new DomainError("not_found", `${what} not found`);
  }
  static conflict(message: string): DomainError {
    return new DomainError("conflict", message);
  }
  static invalid(message: string, issues: FieldIssue[]): DomainError {
    return new DomainError("invalid", message, issues);
  }
}
