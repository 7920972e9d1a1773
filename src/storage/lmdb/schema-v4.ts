// Migration to schema version 4: the index of failed and cancelled deliveries by webhook
// (./unsuccessful-index.ts), built from the deliveries already stored. Delivery values gain an
// optional trailing retry_base (./record-codecs.ts), absent in every version 3 value, so those are
// read unchanged and nothing is rewritten.
//
// The build reads every delivery once, so it runs as a series of bounded transactions (STEP_ENTRIES
// deliveries each) instead of one: each records where it stopped in meta (PROGRESS_KEY), in the
// same transaction as its index entries, so a build interrupted by a crash resumes there at the
// next start; the last step drops that key and writes the version (./schema.ts).

import type { Key } from "lmdb";
import type { Databases } from "./lmdb-databases";
import { deliveryIndexFields } from "./record-codecs";
import { isUnsuccessfulCode, unsuccessfulKey } from "./unsuccessful-index";

/** Deliveries read per transaction. */
export const STEP_ENTRIES = 20_000;

/** meta key: the last delivery id indexed, while the build is under way; empty once it has finished. */
export const PROGRESS_KEY = "schema_v4_indexed_through";
const DONE = "";

/**
 * One step of the build: indexes up to `entries` deliveries after the recorded progress and records
 * how far it got. Runs inside a write transaction.
 */
export function indexUnsuccessfulDeliveries(dbs: Databases, entries = STEP_ENTRIES): void {
  const after = dbs.meta.get(PROGRESS_KEY);
  let last: Key | undefined;
  let seen = 0;
  const range =
    after === undefined ? { limit: entries } : { start: after, exclusiveStart: true, limit: entries };
  for (const { key, value } of dbs.deliveries.getRange(range)) {
    seen++;
    last = key;
    const fields = deliveryIndexFields(value);
    if (!isUnsuccessfulCode(fields.status)) continue;
    dbs.unsuccessful.putSync(
      unsuccessfulKey(fields.webhookId, fields.createdAt, key as string),
      fields.status,
    );
  }
  dbs.meta.putSync(PROGRESS_KEY, seen < entries ? DONE : (last as string));
}

/** True once a step found no more deliveries; the progress key goes with the last step. */
export function unsuccessfulIndexBuilt(dbs: Databases): boolean {
  if (dbs.meta.get(PROGRESS_KEY) !== DONE) return false;
  dbs.meta.removeSync(PROGRESS_KEY);
  return true;
}
