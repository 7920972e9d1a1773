// Guards every request passes before routing: 503 while shutting down (except /health, so probes
// still see the process), 413 for a declared Content-Length over the limit, the JSON body parser
// that enforces the limit on the bytes actually received, the media type, the syntax and the JSON
// limits, query parameters given once each, and the strict reading of integer query parameters.

import { Elysia } from "elysia";
import { ApiError } from "./api-error";
import { readJsonBody } from "./json-body";
import { JSON_LIMITS_DEFAULT, type JsonLimits } from "./json-limits";
import { INTEGER_QUERY_PARAMETERS } from "./models/common";

export interface RequestGuardsDeps {
  bodyBytesMax: number;
  /** Levels of nesting allowed in event data; the other JSON limits are fixed. */
  dataDepthMax: number;
  isShuttingDown: () => boolean;
}

export function requestGuards(deps: RequestGuardsDeps) {
  const limits: JsonLimits = { ...JSON_LIMITS_DEFAULT, dataDepthMax: deps.dataDepthMax };
  return new Elysia({ name: "request-guards" })
    .onRequest(({ request }) => {
      if (deps.isShuttingDown() && new URL(request.url).pathname !== "/health") throw ApiError.unavailable();
      const declared = request.headers.get("content-length");
      if (declared !== null) {
        const length = Number(declared);
        if (!Number.isFinite(length) || length < 0)
          throw ApiError.badRequest("Content-Length is not a number");
        if (length > deps.bodyBytesMax) throw ApiError.tooLarge(deps.bodyBytesMax);
      }
    })
    .onParse({ as: "global" }, ({ request }, contentType) =>
      readJsonBody(request, contentType, deps.bodyBytesMax, limits),
    )
    .onTransform({ as: "global" }, ({ query, request }) => {
      refuseRepeatedQuery(request.url);
      readIntegerQuery(query as Record<string, unknown>);
    });
}

/**
 * A query parameter given more than once is 422 naming it: the router keeps only the last value,
 * and a filter such as `status=failed&status=cancelled` must not be read as one of them silently.
 */
function refuseRepeatedQuery(url: string): void {
  const start = url.indexOf("?");
  if (start < 0) return;
  const seen = new Set<string>();
  for (const name of new URLSearchParams(url.slice(start + 1)).keys()) {
    if (seen.has(name)) {
      throw ApiError.invalid("the request is not valid", [{ field: name, reason: "must be given once" }]);
    }
    seen.add(name);
  }
}

/** A decimal integer as a query parameter may spell it: digits, optionally negative (then out of range). */
const DECIMAL_INTEGER = /^-?[0-9]+$/;

/**
 * Turns the integer query parameters that are plain decimal integers into numbers; the schema then
 * checks their range. Digits beyond what a number holds become the largest number, which every
 * range refuses by name ("must be at most 100") instead of failing as Infinity or rounding.
 */
function readIntegerQuery(query: Record<string, unknown>): void {
  for (const name of INTEGER_QUERY_PARAMETERS) {
    const text = query[name];
    if (typeof text !== "string" || !DECIMAL_INTEGER.test(text)) continue;
    const value = Number(text);
    query[name] = Number.isFinite(value) ? value : Math.sign(value) * Number.MAX_VALUE;
  }
}

/**
 * Declared on routes that take a body. The global parser above always answers first (so this one
 * never runs); naming "json" tells the OpenAPI generator the body is application/json.
 */
export const JSON_BODY = "json" as const;
