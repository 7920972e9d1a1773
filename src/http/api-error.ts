// The one error type of the API. Thrown by the HTTP layer (guards, parsers, route handlers); domain
// services throw DomainError instead, which ./error-handler.ts maps to one of these. Rendered in one
// place (./error-handler.ts) as {"error": {"code", "message", "details"?}} with its status.

import type { FieldIssue } from "../domain/errors";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: FieldIssue[] | Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }

  static badRequest(message: string, details?: FieldIssue[]) {
    return new ApiError(400, "bad_request", message, details);
  }
  static unauthorized() {
    return new ApiError(401, "unauthorized", "missing or invalid API key");
  }
  static forbidden(message = "this key may not do that") {
    return new ApiError(403, "forbidden", message);
  }
  static notFound(what: string) {
    return new ApiError(404, "not_found", `${what} not found`);
  }
  static tooLarge(limit: number) {
    return new ApiError(413, "payload_too_large", `request body exceeds ${limit} bytes`);
  }
  static invalid(message: string, details: FieldIssue[]) {
    return new ApiError(422, "validation_failed", message, details);
  }
  /** A configured limit refused the request: details name the limit and the setting that raises it. */
  static limitExceeded(message: string, details: Record<string, unknown>) {
    return new ApiError(422, "limit_exceeded", message, details);
  }
  static malformedJson(message: string) {
    return new ApiError(400, "malformed_json", message);
  }
  static invalidCursor() {
    return new ApiError(400, "invalid_cursor", "cursor is malformed or does not belong to this listing");
  }
  static methodNotAllowed(allowed: string[]) {
    return new ApiError(405, "method_not_allowed", `method not allowed; use ${allowed.join(", ")}`);
  }
  static unsupportedMediaType() {
    return new ApiError(
      415,
      "unsupported_media_type",
      "request bodies must be JSON (Content-Type: application/json)",
    );
  }
  static internal() {
    return new ApiError(500, "internal", "internal error");
  }
  static unavailable(message = "shutting down") {
    return new ApiError(503, "unavailable", message);
  }
}
