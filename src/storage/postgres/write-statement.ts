// The statement that writes one batch of a replica's writes (./write-batch.ts): the publish part
// (./publish-statement.ts), the record part (./record-statement.ts) or both in one statement, one
// commit. $1 is the store's clock; the publish part's arrays follow, then the record part's.
//
// Lock order: the publish rows come first in the UNION ALL, so the publish part locks its webhooks
// (FOR SHARE) before the record part locks the deliveries it moves, the order in which a webhook's
// disable or delete locks them (the webhook row, then its pending deliveries: ./cancellation.ts).

import { clockCte, PLANS_SET } from "./pg-context";
import { PUBLISH_ARRAYS, publishCtes, publishRows } from "./publish-statement";
import { recordCtes, recordRows } from "./record-statement";

/** Which parts a statement writes; at least one. */
export interface WriteParts {
  publish: boolean;
  record: boolean;
}

export function writeStatement(s: string, parts: WriteParts): string {
  const ctes = [clockCte(s)];
  const rows: string[] = [];
  // The first branch carries the one-time filter that evaluates the clock CTE (PLANS_SET).
  const where = () => (rows.length === 0 ? PLANS_SET : "TRUE");
  if (parts.publish) {
    ctes.push(publishCtes(s, 2));
    rows.push(publishRows(where()));
  }
  if (parts.record) {
    ctes.push(recordCtes(s, parts.publish ? 2 + PUBLISH_ARRAYS : 2));
    rows.push(recordRows(where()));
  }
  if (rows.length === 0) throw new RangeError("writeStatement: no part to write");
  return `WITH ${ctes.join(",\n")}\n${rows.join("\nUNION ALL")}`;
}

/** The publish statement alone: $1 the clock, then the publish part's arrays. */
export const publishStatement = (s: string) => writeStatement(s, { publish: true, record: false });

/** The record statement alone: $1 the clock, then the record part's arrays. */
export const recordStatement = (s: string) => writeStatement(s, { publish: false, record: true });
