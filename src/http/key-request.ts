// The body of POST /v1/keys and POST /v1/accounts/{id}/keys as the keys service takes it: absent
// body means every default; expires_at must be RFC 3339 (a 422 naming /expires_at otherwise).

import type { KeyRequest } from "../domain/keys-service";
import type { KeyScope } from "../storage/records";
import { ApiError } from "./api-error";
import { optionalObjectBody } from "./optional-body";
import { parseRfc3339 } from "./rfc3339";

interface KeyBody {
  name?: string;
  scopes?: KeyScope[];
  expires_at?: string;
}

export function keyRequestOf(body: KeyBody | null | undefined): KeyRequest {
  const given = optionalObjectBody(body, '{"name": "billing", "scopes": ["publish"]}') ?? {};
  const request: KeyRequest = { name: given.name, scopes: given.scopes };
  if (given.expires_at !== undefined) {
    const ms = parseRfc3339(given.expires_at);
    if (ms === undefined) {
      throw ApiError.invalid("the request is not valid", [
        { field: "/expires_at", reason: "must be an RFC 3339 date-time such as 2026-01-15T00:00:00Z" },
      ]);
    }
    request.expiresAt = ms;
  }
  return request;
}
