// Time filters of listing queries (GET /v1/deliveries, a webhook's log): RFC 3339 text to ms, or a
// 422 naming the parameter.

import { ApiError } from "./api-error";
import { parseRfc3339 } from "./rfc3339";

export function timeQuery(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseRfc3339(value);
  if (ms === undefined) {
    throw ApiError.invalid("the request is not valid", [
      { field, reason: "must be an RFC 3339 date-time such as 2025-01-15T10:25:03Z" },
    ]);
  }
  return ms;
}
