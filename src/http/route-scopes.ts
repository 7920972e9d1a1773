// The one table of what each /v1 route requires of the key that calls it. The authentication guard
// (./auth.ts) checks it before every /v1 handler, by the route the router matched; a route missing
// here is refused to every account key (only the admin key passes), and a test walks the served
// OpenAPI document (where ./route-scopes-in-spec.ts writes each operation's x-required-scope) and
// fails on any /v1 operation without one, so a new route cannot go unscoped unnoticed.

import type { KeyScope } from "../storage/records";

/** A key scope, or `admin`: the admin key only. The admin key passes every check. */
export type RequiredScope = KeyScope | "admin";

/** By "METHOD /v1/path" with the router's `:param` segments. */
const ROUTE_SCOPES: Readonly<Record<string, RequiredScope>> = {
  "POST /v1/events": "publish",
  "POST /v1/events/batch": "publish",
  "GET /v1/event-types": "publish",
  "GET /v1/event-types/:name": "publish",
  "POST /v1/event-types": "admin",
  "PUT /v1/event-types/:name": "admin",
  "DELETE /v1/event-types/:name": "admin",

  "POST /v1/webhooks": "manage",
  "GET /v1/webhooks": "manage",
  "POST /v1/webhooks/test": "manage",
  "GET /v1/webhooks/:id": "manage",
  "PUT /v1/webhooks/:id": "manage",
  "PATCH /v1/webhooks/:id": "manage",
  "DELETE /v1/webhooks/:id": "manage",
  "GET /v1/webhooks/:id/secret": "manage",
  "POST /v1/webhooks/:id/secret/rotate": "manage",
  "GET /v1/webhooks/:id/logs": "manage",
  "GET /v1/webhooks/:id/stats": "manage",
  "POST /v1/webhooks/:id/recover": "manage",
  "GET /v1/events": "manage",
  "GET /v1/events/:id": "manage",
  "POST /v1/events/:id/replay": "manage",
  "GET /v1/deliveries": "manage",
  "GET /v1/deliveries/:id": "manage",
  "POST /v1/deliveries/:id/retry": "manage",
  "GET /v1/keys": "manage",
  "POST /v1/keys": "manage",
  "DELETE /v1/keys/:key_id": "manage",

  "POST /v1/accounts": "admin",
  "GET /v1/accounts": "admin",
  "GET /v1/accounts/:id": "admin",
  "DELETE /v1/accounts/:id": "admin",
  "GET /v1/accounts/:id/keys": "admin",
  "POST /v1/accounts/:id/keys": "admin",
  "DELETE /v1/accounts/:id/keys/:key_id": "admin",
  "POST /v1/accounts/:id/portal-links": "admin",
};

/** What the route requires; `admin` for a route the table does not name (closed by default). */
export function requiredScope(method: string, route: string): RequiredScope {
  return ROUTE_SCOPES[`${method.toUpperCase()} ${route}`] ?? "admin";
}

/** Whether the table names the route (the OpenAPI test's check). */
export function declaredScope(method: string, route: string): RequiredScope | undefined {
  return ROUTE_SCOPES[`${method.toUpperCase()} ${route}`];
}
