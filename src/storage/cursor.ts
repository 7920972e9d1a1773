// Opaque listing cursors, shared by every store (LMDB, PostgreSQL): base64url of a JSON array
// holding the listing's tag, its scope (account, webhook) and the position of the last item returned. Decoding checks the tag, the scope and the
// type of each position element, so a cursor from another listing or account, or any string the
// store did not make, raises InvalidCursorError instead of silently restarting or leaking data.

import type { Page } from "./records";
import { InvalidCursorError } from "./store";

export type CursorPart = string | number;
/**
 * Expected type of each position element after tag and scope. Every number a listing writes is a
 * time in ms or an index: a "number" element must be a safe integer, so a forged one never reaches
 * a store (PostgreSQL would fail its int8 cast: an error, not InvalidCursorError).
 */
export type PartKind = "string" | "number";

export function encodeCursor(tag: string, scope: readonly string[], position: readonly CursorPart[]): string {
  return Buffer.from(JSON.stringify([tag, ...scope, ...position]), "utf8").toString("base64url");
}

/** The position stored in `cursor`, or InvalidCursorError when it is not one of this listing's. */
export function decodeCursor(
  cursor: string,
  tag: string,
  scope: readonly string[],
  kinds: readonly PartKind[],
): CursorPart[] {
  if (cursor.length === 0 || cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 1 + scope.length + kinds.length || parsed[0] !== tag) {
    throw new InvalidCursorError();
  }
  for (let i = 0; i < scope.length; i++) {
    if (parsed[1 + i] !== scope[i]) throw new InvalidCursorError();
  }
  const position = parsed.slice(1 + scope.length);
  for (let i = 0; i < kinds.length; i++) {
    const part = position[i];
    const ok = kinds[i] === "number" ? Number.isSafeInteger(part) : typeof part === "string";
    if (!ok) throw new InvalidCursorError();
  }
  return position as CursorPart[];
}

/** Validates a page size: listings take a positive integer. */
export function pageLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`page limit must be a positive integer, got ${limit}`);
  return limit;
}

/** Cuts a limit+1 fetch to a page, with a cursor after its last item when more follow. */
export function pageOf<T>(rows: T[], limit: number, cursorAfter: (last: T) => string): Page<T> {
  if (rows.length <= limit) return { data: rows, next_cursor: null };
  const data = rows.slice(0, limit);
  return { data, next_cursor: cursorAfter(data[data.length - 1] as T) };
}
