// The OpenAPI generator drops `deprecated` (and the description) from a query parameter's schema, so
// a parameter kept only for old clients would look current. Routes name such parameters with
// `deprecatedQuery(...)` in their `detail`; the generated document is corrected here, in place, before
// it is served: each named parameter gets `deprecated: true` and its description.

import { operationsOf } from "./spec-operations";

const MARK = "x-deprecated-query";

/** Spread into a route's `detail`: these query parameters are deprecated, each with why. */
export const deprecatedQuery = (parameters: Record<string, string>) => ({ [MARK]: parameters }) as const;

type Parameter = { name?: string; in?: string; deprecated?: boolean; description?: string };
type Operation = { [MARK]?: Record<string, string>; parameters?: Parameter[] };

/** Marks the parameters the operations name deprecated, and drops the marker. */
export function markDeprecatedParameters(spec: unknown): void {
  for (const [op] of operationsOf<Operation>(spec)) markOperation(op);
}

function markOperation(op: Operation): void {
  const named = op[MARK];
  if (!named) return;
  for (const p of op.parameters ?? []) {
    const why = p.in === "query" && p.name !== undefined ? named[p.name] : undefined;
    if (why === undefined) continue;
    p.deprecated = true;
    p.description = why;
  }
  delete op[MARK];
}
