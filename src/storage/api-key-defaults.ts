// API key records as every store answers them: records stored before keys had names, scopes and
// expiry (issue 11 item 5) lack those fields and read as name null, both scopes, no expiry, never
// used. Stores apply this on every read, so callers always see the four fields.

import { type ApiKeyRecord, KEY_SCOPES } from "./records";

export function withKeyDefaults(key: ApiKeyRecord): ApiKeyRecord {
  return {
    ...key,
    name: key.name ?? null,
    scopes: key.scopes ?? [...KEY_SCOPES],
    expires_at: key.expires_at ?? null,
    last_used_at: key.last_used_at ?? null,
  };
}
