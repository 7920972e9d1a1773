// Writes each /v1 operation's required scope (./route-scopes.ts) into the served OpenAPI document,
// as `x-required-scope` and a sentence of its description, in place (the generator caches the
// document, so this runs once per operation). Operations the table does not name get neither:
// test/http/key-scopes.test.ts fails on them.

import { declaredScope, type RequiredScope } from "./route-scopes";

type Operation = { "x-required-scope"?: RequiredScope; description?: string };

const SENTENCE: Record<RequiredScope, string> = {
  publish: "Requires a key with the `publish` scope (or the admin key).",
  manage: "Requires a key with the `manage` scope (or the admin key).",
  admin: "Requires the admin key.",
};

/** `/v1/webhooks/{id}` -> `/v1/webhooks/:id`, the router's form. */
const routeOf = (path: string) => path.replace(/\{([^}]+)\}/g, ":$1");

export function markRequiredScopes(spec: unknown): void {
  const paths = (spec as { paths?: Record<string, Record<string, Operation>> } | null)?.paths;
  if (!paths) return;
  for (const [path, item] of Object.entries(paths)) {
    if (!path.startsWith("/v1/") && path !== "/v1") continue;
    for (const [method, op] of Object.entries(item)) {
      const scope = declaredScope(method, routeOf(path));
      if (!op || scope === undefined || op["x-required-scope"] !== undefined) continue;
      op["x-required-scope"] = scope;
      op.description = op.description ? `${op.description} ${SENTENCE[scope]}` : SENTENCE[scope];
    }
  }
}
