// The position GET /v1/deliveries pages from, shared by both stores so that their cursors are one
// format (./lmdb/delivery-listing.ts, ./postgres/delivery-listing.ts): the event
// (created_at, id) and the index, within that event, its next delivery is below.

import { decodeCursor, encodeCursor } from "./cursor";
import { InvalidCursorError } from "./store";

const CURSOR_TAG = "dlv";

/** Where a listing stands: the event (created_at, id) and the index its next delivery is below. */
export interface ListingPosition {
  createdAt: number;
  eventId: string;
  before: number;
}

/** The greatest index of a delivery within its event that both stores can hold (PostgreSQL: int). */
const DELIVERY_INDEX_MAX = 2_147_483_647;

export function encodePosition(accountId: string, p: ListingPosition): string {
  return encodeCursor(CURSOR_TAG, [accountId], [p.createdAt, p.eventId, p.before]);
}

/**
 * The cursor's position, or InvalidCursorError when it is not one of this account's listing's. A
 * position no listing writes is refused before it reaches a store: decodeCursor answers safe
 * integers only (an int8 time), and an index that is no int would fail PostgreSQL's cast.
 */
export function decodePosition(accountId: string, cursor: string): ListingPosition {
  const [createdAt, eventId, before] = decodeCursor(
    cursor,
    CURSOR_TAG,
    [accountId],
    ["number", "string", "number"],
  ) as [number, string, number];
  if (before < 0 || before > DELIVERY_INDEX_MAX) throw new InvalidCursorError();
  return { createdAt, eventId, before };
}
