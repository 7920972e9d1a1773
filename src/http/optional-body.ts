// Optional JSON object bodies (rotate a secret, replay an event). `t.Optional(schema)` lets a body
// of the wrong JSON type through (an array, a string, a number), so the route checks the kind itself:
// no body (which the parser answers as null; a JSON null body is refused by the parser itself) means
// "no options"; any other non-object is a 422 that says what is expected.

import { ApiError } from "./api-error";

/** The body as options, or undefined for none; throws a 422 for a body that is not a JSON object. */
export function optionalObjectBody<T extends object>(
  body: T | null | undefined,
  expected: string,
): T | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== "object" || Array.isArray(body)) {
    throw ApiError.invalid("the request is not valid", [
      { field: "", reason: `must be a JSON object such as ${expected}, or no body` },
    ]);
  }
  return body;
}
