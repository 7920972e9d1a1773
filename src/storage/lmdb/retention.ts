// Retention: one call removes at most `limit` records (attempts, then events with their
// deliveries) older than `before`, in one write transaction, so it never holds the writer long.
//
// Both walks go through keys that lead with an owner and then a time: attempts by
// [account, webhook, started_at, id], events by [account, created_at, id] (the account as its key
// part, ./account-numbers.ts). Within an owner the
// oldest come first; at the first entry not older than `before` the walk jumps to the next owner.
// Each walk resumes where the previous call stopped and wraps to the start when it reaches the end,
// and examines at most `examinedMax(limit)` keys per call: many owners, or a backlog of old pending
// events, cannot stall retention or make one call scan without bound.
//
// Events go only once none of their deliveries is pending; an event whose deliveries are removed
// over several calls loses them first and disappears last.

import type { Key } from "lmdb";
import type { RetentionResult } from "../store";
import { statsRetention } from "./attempt-rollups";
import { unplaceEvent } from "./event-locations";
import { TOP } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import { eventAt, readStoredDelivery } from "./stored-records";
import { noteStatus } from "./unsuccessful-index";
import type { WriteBatcher } from "./write-batcher";

const examinedMax = (limit: number) => Math.max(1_000, limit * 4);

/** Where each walk resumes (exclusive); null to start from the beginning. */
interface Positions {
  attempts: Key[] | null;
  events: Key[] | null;
}

interface PurgeOutcome {
  result: RetentionResult;
  positions: Positions;
}

interface Scan {
  /** Keys older than `before`, in key order. */
  keys: Key[][];
  /** Where the scan stopped (exclusive), or null when it reached the end. */
  next: Key[] | null;
}

/**
 * Collects up to `want` keys whose time element (at index `timeAt`) is before `before`, starting
 * after `from`, jumping to the next owner (the key's first `timeAt` elements) at the first key that
 * is not older, and examining at most `cap` keys.
 */
function scanOlder(
  db: Databases["events"],
  timeAt: number,
  before: number,
  from: Key[] | null,
  want: number,
  cap: number,
): Scan {
  const state = { keys: [] as Key[][], examined: 0 };
  let start = from;
  for (;;) {
    const run = scanOwnerRun(db, timeAt, before, start, want, cap, state);
    if (run !== null && !Array.isArray(run)) return run;
    if (run === null) return { keys: state.keys, next: null };
    if (state.examined >= cap) return { keys: state.keys, next: run };
    start = run;
  }
}

/**
 * Walks from `start` (exclusive) collecting older keys into `state` until a key that is not older.
 * Answers the finished scan when `want` or `cap` is reached on an older key; else where the next
 * owner begins (this owner's remaining keys are newer), or null at the end of the database.
 */
function scanOwnerRun(
  db: Databases["events"],
  timeAt: number,
  before: number,
  start: Key[] | null,
  want: number,
  cap: number,
  state: { keys: Key[][]; examined: number },
): Scan | Key[] | null {
  for (const key of db.getKeys(start ? { start, exclusiveStart: true } : {})) {
    const k = key as Key[];
    state.examined++;
    const older = (k[timeAt] as number) < before;
    if (!older) return [...k.slice(0, timeAt), TOP];
    state.keys.push(k);
    if (state.keys.length >= want || state.examined >= cap) return { keys: state.keys, next: k };
  }
  return null;
}

function purgeAttempts(
  dbs: Databases,
  before: number,
  budget: number,
  cap: number,
  from: Key[] | null,
): { attempts: number; next: Key[] | null } {
  if (budget === 0) return { attempts: 0, next: from };
  const scan = scanOlder(dbs.attempts, 2, before, from, budget, cap);
  for (const key of scan.keys) dbs.attempts.removeSync(key);
  return { attempts: scan.keys.length, next: scan.next };
}

function purgeEvents(
  dbs: Databases,
  before: number,
  budget: number,
  cap: number,
  from: Key[] | null,
): { events: number; deliveries: number; next: Key[] | null } {
  let events = 0;
  let deliveries = 0;
  let position = from;
  const stopped = () => ({ events, deliveries, next: position });
  if (budget === 0) return stopped();
  const scan = scanOlder(dbs.events, 1, before, from, cap, cap);
  for (const key of scan.keys) {
    if (budget === 0) return stopped();
    const value = dbs.events.get(key);
    if (value === undefined) continue;
    const stored = eventAt(dbs, key, value);
    const owned = stored.deliveries.flatMap((id) => {
      // Some may be gone already, removed by an earlier call.
      const delivery = readStoredDelivery(dbs, id)?.delivery;
      return delivery ? [delivery] : [];
    });
    if (owned.some((d) => d.status === "pending")) {
      position = key;
      continue;
    }
    for (const delivery of owned) {
      if (budget === 0) return stopped();
      dbs.deliveries.removeSync(delivery.id);
      noteStatus(dbs, delivery, undefined);
      deliveries++;
      budget--;
    }
    if (budget === 0) return stopped();
    const [account, createdAt, eventId] = key as [string, number, string];
    dbs.events.removeSync(key);
    unplaceEvent(dbs, account, eventId, createdAt);
    events++;
    budget--;
    position = key;
  }
  // Every key the scan collected was handled: go on from where the scan stopped.
  position = scan.next;
  return stopped();
}

export function retention(dbs: Databases, writer: WriteBatcher) {
  let positions: Positions = { attempts: null, events: null };
  const purgeStats = statsRetention(dbs);
  return async function purge(before: number, limit: number): Promise<RetentionResult> {
    if (!Number.isSafeInteger(limit) || limit < 1) return { attempts: 0, events: 0, deliveries: 0 };
    const from = positions;
    const cap = examinedMax(limit);
    const outcome = await writer.run((): PurgeOutcome => {
      const old = purgeAttempts(dbs, before, limit, cap, from.attempts);
      const rest = purgeEvents(dbs, before, limit - old.attempts, cap, from.events);
      purgeStats(before, limit);
      return {
        result: { attempts: old.attempts, events: rest.events, deliveries: rest.deliveries },
        positions: { attempts: old.next, events: rest.next },
      };
    });
    positions = outcome.positions;
    return outcome.result;
  };
}
