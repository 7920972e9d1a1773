// Cross-origin access to the API for browser clients on other origins (a dashboard, an admin tool),
// off unless INBOX_CORS_ORIGINS names them. Preflights (OPTIONS with Access-Control-Request-Method)
// to /v1 paths from an allowed origin are answered here, before authentication (browsers send them
// without the key); every answer to an allowed origin carries Access-Control-Allow-Origin. Origins
// not allowed get no CORS header at all, so their browsers refuse to read the answer.

import { Elysia } from "elysia";

/** The methods the API serves and the request headers a client needs. */
const CORS_ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE";
const CORS_ALLOW_HEADERS = "Authorization, Content-Type";
/** How long a browser may cache a preflight answer, seconds. */
const PREFLIGHT_MAX_AGE_S = 600;

/** The Access-Control-Allow-Origin value for `origin`, or undefined when it is not allowed. */
export function allowedOrigin(origins: readonly string[], origin: string | null): string | undefined {
  if (origin === null || origins.length === 0) return undefined;
  if (origins.includes("*")) return "*";
  return origins.includes(origin) ? origin : undefined;
}

function isApiPath(url: string): boolean {
  const path = new URL(url).pathname;
  return path === "/v1" || path.startsWith("/v1/");
}

/** Registered before the other guards; a no-op when `origins` is empty. */
export function cors(origins: readonly string[]) {
  const plugin = new Elysia({ name: "cors" });
  if (origins.length === 0) return plugin;
  return plugin.onRequest(({ request, set }) => {
    const allowed = allowedOrigin(origins, request.headers.get("origin"));
    if (allowed === undefined) return;
    set.headers["access-control-allow-origin"] = allowed;
    if (allowed !== "*") set.headers.vary = "Origin";
    const preflight = request.method === "OPTIONS" && request.headers.has("access-control-request-method");
    if (!preflight || !isApiPath(request.url)) return;
    const headers: Record<string, string> = {
      "access-control-allow-origin": allowed,
      "access-control-allow-methods": CORS_ALLOW_METHODS,
      "access-control-allow-headers": CORS_ALLOW_HEADERS,
      "access-control-max-age": String(PREFLIGHT_MAX_AGE_S),
    };
    if (allowed !== "*") headers.vary = "Origin";
    return new Response(null, { status: 204, headers });
  });
}
