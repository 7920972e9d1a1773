// Retention: one call removes at most `limit` records (attempts, then events with their
// deliveries) older than `before`, in one write transaction, so it never holds the writer long.
//
// Attempts go first, in start-time order. Events go in creation order, and only once none of their
// deliveries is pending; an event whose deliveries are removed over several calls loses them first
// and disappears last. Events still pending are skipped, and the walk over events resumes where the
// previous call stopped (wrapping to the oldest when it reaches `before`), examining at most
// `maxExamined(limit)` events per call: a backlog of old pending events cannot stall retention or
// make one call scan without bound.

import type { Key } from "lmdb";
import type { AttemptRecord, DeliveryRecord } from "../records";
import type { RetentionResult } from "../store";
import { removeAttempt } from "./attempts-repository";
import { entriesUnder } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import type { WriteBatcher } from "./write-batcher";

const maxExamined = (limit: number) => Math.max(1_000, limit * 4);

interface PurgeOutcome {
  result: RetentionResult;
  /** Where the next call's event walk starts (exclusive); null to start from the oldest. */
  resumeAfter: Key[] | null;
}

function purgeAttempts(dbs: Databases, before: number, budget: number): number {
  const doomed: AttemptRecord[] = [];
  for (const { value } of dbs.attempts.getRange({ end: [before], limit: budget }))
    doomed.push(value as AttemptRecord);
  for (const attempt of doomed) removeAttempt(dbs, attempt);
  return doomed.length;
}

function purgeEvents(
  dbs: Databases,
  before: number,
  budget: number,
  cap: number,
  resumeAfter: Key[] | null,
): { events: number; deliveries: number; resumeAfter: Key[] | null } {
  let events = 0;
  let deliveries = 0;
  let position = resumeAfter;
  const stopped = () => ({ events, deliveries, resumeAfter: position });
  if (budget === 0) return stopped();
  const keys: Key[][] = [];
  const walk = dbs.eventTimes.getRange({
    ...(resumeAfter ? { start: resumeAfter, exclusiveStart: true } : {}),
    end: [before],
    limit: cap,
  });
  for (const { key } of walk) keys.push(key as Key[]);
  for (const key of keys) {
    if (budget === 0) return stopped();
    const [createdAt, accountId, eventId] = key as [number, string, string];
    const refs = entriesUnder(dbs.eventDeliveries, [accountId, eventId]).filter((e) => e.key[1] === eventId);
    const records = refs.map((ref) => dbs.deliveries.get(ref.key[2] as string) as DeliveryRecord | undefined);
    if (records.some((d) => d?.status === "pending")) {
      position = key;
      continue;
    }
    for (const ref of refs) {
      if (budget === 0) return stopped();
      dbs.deliveries.removeSync(ref.key[2] as string);
      dbs.eventDeliveries.removeSync(ref.key);
      deliveries++;
      budget--;
    }
    if (budget === 0) return stopped();
    dbs.events.removeSync([accountId, eventId]);
    dbs.eventIndex.removeSync([accountId, createdAt, eventId]);
    dbs.eventTimes.removeSync(key);
    events++;
    budget--;
    position = key;
  }
  // Every key read was handled. Fewer than `cap` means the walk reached `before`: the next call
  // starts again from the oldest event.
  if (keys.length < cap) position = null;
  return stopped();
}

export function retention(dbs: Databases, writer: WriteBatcher) {
  let resumeAfter: Key[] | null = null;
  return async function purge(before: number, limit: number): Promise<RetentionResult> {
    if (!Number.isSafeInteger(limit) || limit < 1) return { attempts: 0, events: 0, deliveries: 0 };
    const from = resumeAfter;
    const outcome = await writer.run((): PurgeOutcome => {
      const attempts = purgeAttempts(dbs, before, limit);
      const rest = purgeEvents(dbs, before, limit - attempts, maxExamined(limit), from);
      return {
        result: { attempts, events: rest.events, deliveries: rest.deliveries },
        resumeAfter: rest.resumeAfter,
      };
    });
    resumeAfter = outcome.resumeAfter;
    return outcome.result;
  };
}
