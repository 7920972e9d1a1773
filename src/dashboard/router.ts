// The dashboard's route table. Each signed-in route names the /v1 route(s) it stands for ("GET
// /v1/webhooks/:id"): the dashboard allows exactly what the API allows the session's key, checked
// with the API's own table (src/http/route-scopes.ts) before the handler runs. Public routes (sign-in,
// portal links, assets) name none. Paths use `:name` segments; a static segment wins over a
// parameter (/dashboard/endpoints/new before /dashboard/endpoints/:id).

import type { Handler, PageContext, PublicContext } from "./context";

export type Method = "GET" | "POST";

export interface Route {
  method: Method;
  path: string;
  segments: string[];
  /** The /v1 routes whose scopes the session must hold; undefined for a public route. */
  api: string[] | undefined;
  handler: Handler<PageContext> | Handler<PublicContext>;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/** "GET /v1/webhooks/:id" → ["GET", "/v1/webhooks/:id"], refusing anything else at registration. */
function apiRoute(api: string): [string, string] {
  const [method, path, extra] = api.split(" ");
  if (!method || !path?.startsWith("/v1") || extra !== undefined) {
    throw new Error(`a dashboard route must name its /v1 route as "METHOD /v1/path", not "${api}"`);
  }
  return [method, path];
}

export class Router {
  private readonly routes: Route[] = [];

  /** A signed-in page. `api`: the /v1 route(s) it stands for, whose scopes the session needs. */
  get(path: string, api: string | string[], handler: Handler<PageContext>): this {
    return this.add("GET", path, api, handler);
  }

  /** A signed-in action; the router has checked its CSRF token and Origin before `handler`. */
  post(path: string, api: string | string[], handler: Handler<PageContext>): this {
    return this.add("POST", path, api, handler);
  }

  /** A page anyone may open (sign-in, portal link, assets). */
  publicGet(path: string, handler: Handler<PublicContext>): this {
    return this.push("GET", path, undefined, handler);
  }

  /**
   * A POST anyone may send (sign-in only): the router checks its Origin; the handler must check a
   * token of its own (the sign-in form's double-submit cookie).
   */
  publicPost(path: string, handler: Handler<PublicContext>): this {
    return this.push("POST", path, undefined, handler);
  }

  /** The route for `method` and `path`, or which methods the path has (for a 405) when none. */
  match(method: string, path: string): RouteMatch | { allowed: Method[] } {
    const segments = split(path);
    let best: RouteMatch | undefined;
    let bestParams = Number.POSITIVE_INFINITY;
    const allowed = new Set<Method>();
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      allowed.add(route.method);
      const count = Object.keys(params).length;
      if (route.method === method && count < bestParams) {
        best = { route, params };
        bestParams = count;
      }
    }
    return best ?? { allowed: [...allowed] };
  }

  private add(method: Method, path: string, api: string | string[], handler: Handler<PageContext>): this {
    const list = Array.isArray(api) ? api : [api];
    if (list.length === 0) throw new Error(`${method} ${path}: name at least one /v1 route`);
    for (const entry of list) apiRoute(entry);
    return this.push(method, path, list, handler);
  }

  private push(
    method: Method,
    path: string,
    api: string[] | undefined,
    handler: Handler<PageContext> | Handler<PublicContext>,
  ): this {
    if (!path.startsWith("/dashboard"))
      throw new Error(`dashboard routes live under /dashboard, not ${path}`);
    const segments = split(path);
    const clash = this.routes.find((r) => r.method === method && r.segments.join("/") === segments.join("/"));
    if (clash) throw new Error(`${method} ${path} is registered twice`);
    this.routes.push({ method, path, segments, api, handler });
    return this;
  }
}

/** `api` split into method and path, for the scope check. */
export function apiParts(api: string): { method: string; path: string } {
  const [method, path] = apiRoute(api);
  return { method, path };
}

function split(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const a = actual[i] as string;
    if (p.startsWith(":")) {
      const value = decodeSegment(a);
      if (value === undefined) return undefined;
      params[p.slice(1)] = value;
    } else if (p !== a) {
      return undefined;
    }
  }
  return params;
}

/** A percent-decoded segment; undefined when malformed (the path then matches no route: 404). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
