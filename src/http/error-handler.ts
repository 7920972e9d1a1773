// The single place where failures become HTTP responses: {"error": {"code", "message", "details"?}}.
// Bad input is always a 4xx naming the field; anything unexpected is a 500 "internal" whose details
// go to the log only, never to the caller.

import { Elysia, ValidationError } from "elysia";
import { DomainError } from "../domain/errors";
import { LimitExceededError } from "../domain/limits";
import type { Logger } from "../observability/logger";
import { InvalidCursorError, StoreFullError, StoreUnavailableError } from "../storage/store";
import { ApiError } from "./api-error";
import { limitExceeded } from "./limit-exceeded";
import type { RouteMethods } from "./route-methods";
import { validationIssues } from "./validation-details";

export function errorResponse(error: ApiError, headers: Record<string, string> = {}): Response {
  const body: { code: string; message: string; details?: unknown } = {
    code: error.code,
    message: error.message,
  };
  if (error.details !== undefined) body.details = error.details;
  return new Response(JSON.stringify({ error: body }), {
    status: error.status,
    headers: { "content-type": "application/json", ...headers },
  });
}

const DOMAIN_STATUS = { not_found: 404, conflict: 409, invalid: 422, idempotency_conflict: 409 } as const;
const DOMAIN_CODE = {
  not_found: "not_found",
  conflict: "conflict",
  invalid: "validation_failed",
  idempotency_conflict: "idempotency_conflict",
};

/** The API error a thrown value stands for, or undefined when it is unexpected (a bug). */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) {
    return new ApiError(DOMAIN_STATUS[error.kind], DOMAIN_CODE[error.kind], error.message, error.issues);
  }
  if (error instanceof InvalidCursorError) return ApiError.invalidCursor();
  if (error instanceof LimitExceededError) return limitExceeded(error);
  if (error instanceof StoreFullError) {
    // 507 Insufficient Storage: the request was valid, the server cannot store it now. Logged once
    // per transition by the store (not here, per request); /health reports "degraded" meanwhile.
    return new ApiError(
      507,
      "storage_full",
      "the store is full: too little space is left on the disk holding the data directory, and nothing " +
        "of this request was stored; retry once space is freed",
    );
  }
  if (error instanceof StoreUnavailableError) {
    // The request may be fine: the database cannot be reached now (restarting, failing over). The
    // store recovers by itself; /health reports "degraded" meanwhile.
    return new ApiError(
      503,
      "store_unavailable",
      "the store is unavailable: the database cannot be reached, and nothing of this request was " +
        "stored; retry shortly",
    );
  }
  if (error instanceof ValidationError && error.type !== "response") {
    return ApiError.invalid("the request is not valid", validationIssues(error));
  }
  return undefined;
}

/** A store that cannot be reached now is worth asking again in a second. */
function retryAfter(error: unknown): Record<string, string> {
  return error instanceof StoreUnavailableError ? { "retry-after": "1" } : {};
}

function pathOf(request: Request): string {
  try {
    return new URL(request.url).pathname;
  } catch {
    return "/";
  }
}

/** No route matched: 405 naming the allowed methods when the path exists, else 404. */
function notFound(request: Request, routeMethods: RouteMethods): Response {
  const path = pathOf(request);
  const allowed = routeMethods.allowed(path);
  if (allowed.length > 0 && !allowed.includes(request.method.toUpperCase())) {
    return errorResponse(ApiError.methodNotAllowed(allowed), { allow: allowed.join(", ") });
  }
  return errorResponse(new ApiError(404, "not_found", `no route for ${request.method} ${path}`));
}

/** Elysia wraps whatever the body parser threw; our parser throws ApiErrors (400/413/415/422). */
function parseFailed(error: unknown): Response {
  const cause = (error as Error).cause;
  if (cause instanceof ApiError) return errorResponse(cause);
  return errorResponse(ApiError.malformedJson("request body is not valid JSON"));
}

export function errorHandler(deps: { logger: Logger; routeMethods: RouteMethods }) {
  return new Elysia({ name: "error-handler" }).onError({ as: "global" }, ({ code, error, request }) => {
    if (code === "NOT_FOUND") return notFound(request, deps.routeMethods);
    if (code === "PARSE") return parseFailed(error);
    const apiError = toApiError(error);
    if (apiError) return errorResponse(apiError, retryAfter(error));
    deps.logger.error("request failed", {
      method: request.method,
      path: pathOf(request),
      code: String(code),
      error: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    return errorResponse(ApiError.internal());
  });
}
