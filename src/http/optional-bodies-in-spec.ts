// The OpenAPI generator marks every request body `required: true`, also where the route's schema is
// `t.Optional` (rotate a secret, replay an event: no body means "no options"), which tells client
// generators to demand a body. Such routes say so with `OPTIONAL_BODY` in their `detail`; the
// generated document is corrected here, in place (the generator caches it), before it is served.

import { operationsOf } from "./spec-operations";

/** Spread into a route's `detail` when its body may be left out. */
export const OPTIONAL_BODY = { "x-optional-body": true } as const;

type Operation = { "x-optional-body"?: boolean; requestBody?: { required?: boolean } };

/** Sets `requestBody.required: false` on the operations marked optional and drops the marker. */
export function markOptionalBodies(spec: unknown): void {
  for (const [op] of operationsOf<Operation>(spec)) {
    if (!op["x-optional-body"]) continue;
    if (op.requestBody) op.requestBody.required = false;
    delete op["x-optional-body"];
  }
}
