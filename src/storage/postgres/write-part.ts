// One part of a write batch (./write-batch.ts): what a kind of call binds to the statement and
// how its results are read from the statement's rows.

import type { WriteRow } from "./write-rows";

export interface WritePart<C, R> {
  /** The part's parameters for the calls (its arrays, in statement order) and, once the statement
   *  has committed, each call's result from the rows (reads after the commit are allowed). */
  prepare(calls: C[]): { params: unknown[][]; finish: (rows: WriteRow[]) => Promise<R[]> };
}
