// Writes each /v1 operation's required scope (./route-scopes.ts) into the served OpenAPI document,
// as `x-required-scope`, a sentence of its description, and a 403 response (the error schema of its
// 401, with an insufficient_scope example naming the scope) where the route declared none; in place
// (the generator caches the document, so this runs once per operation). Operations the table does
// not name get none of it: test/http/key-scopes.test.ts fails on them.

import { declaredScope, type RequiredScope } from "./route-scopes";
import { operationsOf } from "./spec-operations";

interface Response {
  description?: string;
  content?: Record<string, { schema?: unknown; example?: unknown }>;
}

type Operation = {
  "x-required-scope"?: RequiredScope;
  description?: string;
  responses?: Record<string, Response>;
};

const SENTENCE: Record<RequiredScope, string> = {
  publish: "Requires a key with the `publish` scope (or the admin key).",
  manage: "Requires a key with the `manage` scope (or the admin key).",
  admin: "Requires the admin key.",
};

/** `/v1/webhooks/{id}` -> `/v1/webhooks/:id`, the router's form. */
const routeOf = (path: string) => path.replace(/\{([^}]+)\}/g, ":$1");

export function markRequiredScopes(spec: unknown): void {
  for (const [op, path, method] of operationsOf<Operation>(spec)) {
    if (!path.startsWith("/v1/") && path !== "/v1") continue;
    const scope = declaredScope(method, routeOf(path));
    if (scope === undefined || op["x-required-scope"] !== undefined) continue;
    op["x-required-scope"] = scope;
    op.description = op.description ? `${op.description} ${SENTENCE[scope]}` : SENTENCE[scope];
    addForbidden(op, scope);
  }
}

/** A 403 insufficient_scope response with the operation's error schema, unless it has a 403. */
function addForbidden(op: Operation, scope: RequiredScope): void {
  const schema = op.responses?.["401"]?.content?.["application/json"]?.schema;
  if (!op.responses || op.responses["403"] || schema === undefined) return;
  const message = scope === "admin" ? "only the admin key may do this" : `this key lacks the ${scope} scope`;
  op.responses["403"] = {
    description: `insufficient_scope: the key lacks what this operation requires (${scope}).`,
    content: {
      "application/json": {
        schema,
        example: { error: { code: "insufficient_scope", message, details: { required_scope: scope } } },
      },
    },
  };
}
