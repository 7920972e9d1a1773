// Where a recovery stands in a webhook's failed and cancelled deliveries: the position of a
// delivery in (created_at, id) order, the order both stores' indexes keep them in. Opaque to
// callers (RecoverBatch.next, RecoverableCount.next), written "<created_at>:<deliveryId>".

import { InvalidCursorError } from "./store";

export interface RecoveryPosition {
  createdAt: number;
  id: string;
}

export function formatPosition(createdAt: number, id: string): string {
  return `${createdAt}:${id}`;
}

/** Throws InvalidCursorError for anything formatPosition did not write. */
export function parsePosition(text: string): RecoveryPosition {
  const colon = text.indexOf(":");
  const createdAt = Number(text.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(createdAt) || !text.startsWith("dlv_", colon + 1)) {
    throw new InvalidCursorError();
  }
  return { createdAt, id: text.slice(colon + 1) };
}
