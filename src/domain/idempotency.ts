// Reusing an idempotency id: the same id with the same type and data is a replay (the stored event
// is answered, nothing is written); with a different type or data it is a mistake the publisher must
// hear of (409 idempotency_conflict), never a silent answer of the old event. Data is compared as
// parsed JSON: key order and number spelling (1.0, 1e0) do not matter, everything else does.

import type { EventRecord } from "../storage/records";
import { DomainError, type FieldIssue } from "./errors";

/** Deep equality of two JSON values; object key order ignored, array order kept. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  const ka = Object.keys(a);
  const rb = b as Record<string, unknown>;
  if (ka.length !== Object.keys(rb).length) return false;
  const ra = a as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && sameJson(ra[k], rb[k]));
}

/** The field that differs between the event stored under an id and a publish reusing it, if any. */
export function idempotencyIssue(
  stored: Pick<EventRecord, "type" | "data">,
  input: { type: string; data: unknown },
  base: string,
): FieldIssue | undefined {
  if (stored.type !== input.type) {
    return { field: `${base}/type`, reason: `differs from the event stored with this id (${stored.type})` };
  }
  if (!sameJson(stored.data, input.data)) {
    return { field: `${base}/data`, reason: "differs from the event stored with this id" };
  }
  return undefined;
}

export function idempotencyConflict(issues: FieldIssue[]): DomainError {
  return new DomainError(
    "idempotency_conflict",
    "this id was already used for an event with a different type or data: use a new id for a new event, or send the same type and data to replay it",
    issues.slice(0, 100),
  );
}
