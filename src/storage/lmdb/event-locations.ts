// Where an event is stored. Events are kept by [account, created_at, eventId] (the account as its
// key part, ./account-numbers.ts), so an account's
// listing and retention's walk are one range in time order with no separate time index. A lookup
// by id needs the creation time: a generated id (evt_<10 chars of time><16 of randomness>,
// ../../domain/ids.ts) carries it, so only the events whose id does not tell it (a publisher's own
// id, or a generated one stamped at another time) get an entry in the id -> time table.

import type { Key } from "lmdb";
import type { Databases } from "./lmdb-databases";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const GENERATED = /^evt_[0-9A-HJKMNP-TV-Z]{26}$/;

/** The time (ms) a generated event id was stamped with, or undefined for any other id. */
export function idTime(id: string): number | undefined {
  if (!GENERATED.test(id)) return undefined;
  let t = 0;
  for (let i = 4; i < 14; i++) t = t * 32 + CROCKFORD.indexOf(id.charAt(i));
  return t;
}

/** The event's key; writes the id -> time entry when the id does not tell the time. */
export function placeEvent(dbs: Databases, account: string, id: string, createdAt: number): Key[] {
  if (idTime(id) !== createdAt) dbs.eventTimes.putSync([account, id], createdAt);
  return [account, createdAt, id];
}

/** Removes the event's id -> time entry, when it has one. */
export function unplaceEvent(dbs: Databases, account: string, id: string, createdAt: number): void {
  if (idTime(id) !== createdAt) dbs.eventTimes.removeSync([account, id]);
}

/** The stored event's key and value, or undefined when the account has no such event. */
export function findEvent(
  dbs: Databases,
  account: string,
  id: string,
): { key: [string, number, string]; value: unknown } | undefined {
  const stamped = idTime(id);
  if (stamped !== undefined) {
    const key: [string, number, string] = [account, stamped, id];
    const value = dbs.events.get(key);
    if (value !== undefined) return { key, value };
  }
  const createdAt = dbs.eventTimes.get([account, id]) as number | undefined;
  if (createdAt === undefined) return undefined;
  const key: [string, number, string] = [account, createdAt, id];
  const value = dbs.events.get(key);
  return value === undefined ? undefined : { key, value };
}
