// Guards every request passes before routing: 503 while shutting down (except /health, so probes
// still see the process), 413 for a declared Content-Length over the limit, and the JSON body
// parser that enforces the limit on the bytes actually received, the media type and the syntax.

import { Elysia } from "elysia";
import { ApiError } from "./api-error";
import { readJsonBody } from "./json-body";

export function requestGuards(deps: { maxBodyBytes: number; isShuttingDown: () => boolean }) {
  return new Elysia({ name: "request-guards" })
    .onRequest(({ request }) => {
      if (deps.isShuttingDown() && new URL(request.url).pathname !== "/health") throw ApiError.unavailable();
      const declared = request.headers.get("content-length");
      if (declared !== null) {
        const length = Number(declared);
        if (!Number.isFinite(length) || length < 0)
          throw ApiError.badRequest("Content-Length is not a number");
        if (length > deps.maxBodyBytes) throw ApiError.tooLarge(deps.maxBodyBytes);
      }
    })
    .onParse({ as: "global" }, ({ request }, contentType) =>
      readJsonBody(request, contentType, deps.maxBodyBytes),
    );
}

/**
 * Declared on routes that take a body. The global parser above always answers first (so this one
 * never runs); naming "json" tells the OpenAPI generator the body is application/json.
 */
export const JSON_BODY = "json" as const;
