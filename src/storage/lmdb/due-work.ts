// Due work on the embedded store: the due-time queue ([due, deliveryId] keys, in due order) read
// straight from LMDB, with leases kept in memory (./leases.ts). One process owns the directory, so
// a lease needs no write: lease, renew and release only read LMDB and change the lease table.

import type { DeliveryRecord } from "../records";
import type { DueWork, Lease, LeaseRequest } from "../store";
import type { HeldLease, LeaseTable } from "./leases";
import type { Databases } from "./lmdb-databases";
import { readDelivery } from "./stored-records";
import { settled } from "./sync-read";

/** When a lease taken at `now` on a delivery due at `due` ends: `leaseMs` past max(now, due). */
export function leaseEnd(now: number, due: number, leaseMs: number): number {
  return Math.max(now, due) + leaseMs;
}

export function leaseOf(delivery: DeliveryRecord, held: HeldLease, now: number): Lease {
  return { delivery, token: held.token, expiresInMs: held.expiresAt - now };
}

/** Leases pending deliveries due before `until`, skipping those under a live lease (synchronous). */
function leaseDue(dbs: Databases, table: LeaseTable, now: number, request: LeaseRequest): Lease[] {
  const { owner, until, limit, leaseMs, after } = request;
  if (limit <= 0) return [];
  table.sweep(now);
  const out: Lease[] = [];
  const range = dbs.queue.getRange({
    ...(after ? { start: [after.due, after.delivery_id], exclusiveStart: true } : {}),
    // A bare [until] sorts before every entry due at `until`: an exclusive bound.
    ...(Number.isFinite(until) ? { end: [until] } : {}),
  });
  for (const { key } of range) {
    const [due, deliveryId] = key as [number, string];
    if (table.isLive(deliveryId, now)) continue;
    const delivery = readDelivery(dbs, deliveryId);
    if (delivery?.status !== "pending") continue;
    out.push(leaseOf(delivery, table.grant(deliveryId, owner, leaseEnd(now, due, leaseMs)), now));
    if (out.length === limit) break;
  }
  return out;
}

export function dueWork(dbs: Databases, table: LeaseTable, clock: () => number): DueWork {
  return {
    lease: (request) => settled(() => leaseDue(dbs, table, clock(), request)),

    renew(owner, ref, leaseMs) {
      return settled(() => {
        const now = clock();
        const delivery = readDelivery(dbs, ref.delivery_id);
        if (delivery?.status !== "pending") return undefined;
        if (!table.extend(ref.delivery_id, owner, ref.token, now + leaseMs)) return undefined;
        return { delivery, token: ref.token, expiresInMs: leaseMs };
      });
    },

    release(owner, refs) {
      for (const ref of refs) table.end(ref.delivery_id, owner, ref.token);
      return Promise.resolve();
    },
  };
}
