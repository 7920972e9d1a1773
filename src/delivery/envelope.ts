// The request body of a delivery: exactly the docs' envelope, `{"id","type","created_at","data"}`
// in that key order, with `created_at` as RFC 3339 UTC without milliseconds. Built once per
// attempt and signed as these exact bytes.

import type { EventRecord } from "../storage/records";

/** `2025-01-15T10:25:03Z`: RFC 3339 UTC, whole seconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function envelopeBody(event: EventRecord): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    created_at: rfc3339(event.created_at),
    data: event.data,
  });
}
