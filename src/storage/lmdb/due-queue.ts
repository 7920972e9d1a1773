// The due-time queue as the scheduler sees it: [due, deliveryId] keys in due order, read straight
// from LMDB so the scheduler can page through any backlog with bounded memory.

import type { DueEntry } from "../records";
import type { DueQueue } from "../store";
import { type Databases, entryCount } from "./lmdb-databases";

export function dueQueue(dbs: Databases): DueQueue {
  return {
    scan(until: number, limit: number, after?: DueEntry): DueEntry[] {
      if (limit <= 0) return [];
      const out: DueEntry[] = [];
      const range = dbs.queue.getRange({
        ...(after ? { start: [after.due, after.delivery_id], exclusiveStart: true } : {}),
        // A bare [until] sorts before every entry due at `until`: an exclusive bound.
        ...(Number.isFinite(until) ? { end: [until] } : {}),
        limit,
      });
      for (const { key } of range) {
        const [due, deliveryId] = key as [number, string];
        out.push({ delivery_id: deliveryId, due });
      }
      return out;
    },
    size: () => entryCount(dbs.queue),
  };
}
