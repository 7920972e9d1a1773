// Attempt logs. The record is stored once, by [account, webhook, started_at, attemptId] (the account
// as its key part, ./account-numbers.ts): a webhook's log is one range in time order. A delivery
// finds its attempts through the keys kept in its stored record; retention walks each webhook's
// range from its oldest entry.
//
// Listing a webhook's attempts is newest first by start time. `since`/`until` bound the scanned
// range itself; the other filters are checked per entry, and one page examines at most
// EXAMINED_MAX entries: a page cut short by that cap may hold fewer than `limit` rows (even none)
// and still carries a cursor to continue from where it stopped.

import type { Key } from "lmdb";
import { decodeCursor, encodeCursor, pageLimit } from "../cursor";
import type { AttemptFilter, AttemptRecord, Page, PageQuery } from "../records";
import type { AttemptRepository } from "../store";
import { accountKeyPart } from "./account-numbers";
import { TOP } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import { attemptAt, readStoredDelivery, writeAttempt } from "./stored-records";
import { settled } from "./sync-read";
import type { WriteBatcher } from "./write-batcher";

export const EXAMINED_MAX = 10_000;

function matches(attempt: AttemptRecord, filter: AttemptFilter): boolean {
  return (
    (filter.outcome === undefined || attempt.outcome === filter.outcome) &&
    (filter.event_type === undefined || attempt.event_type === filter.event_type) &&
    (filter.event_id === undefined || attempt.event_id === filter.event_id)
  );
}

/** In the order they were made (oldest first). */
function attemptsOfDelivery(dbs: Databases, deliveryId: string): AttemptRecord[] {
  const stored = readStoredDelivery(dbs, deliveryId);
  if (!stored) return [];
  const { account_id, webhook_id } = stored.delivery;
  const n = dbs.accountNumbers.numberOf(account_id);
  const out: AttemptRecord[] = [];
  if (n === undefined) return out;
  for (const [startedAt, id] of stored.attempts) {
    // Retention removes old attempts on its own schedule; their keys stay behind here.
    const key = [accountKeyPart(n), webhook_id, startedAt, id];
    const value = dbs.attempts.get(key);
    if (value !== undefined) out.push(attemptAt(dbs, key, value));
  }
  return out;
}

function attemptsOfWebhook(
  dbs: Databases,
  accountId: string,
  webhookId: string,
  filter: AttemptFilter,
  page: PageQuery,
): Page<AttemptRecord> {
  const limit = pageLimit(page.limit);
  const scope = [accountId, webhookId];
  const bounds = scanBounds(scope, filter, page.cursor);
  const n = dbs.accountNumbers.numberOf(accountId);
  if (n === undefined) return { data: [], next_cursor: null };
  // The bounds name the account by id (as the cursor does); the log by its number.
  const [start, end] = [bounds.start, bounds.end].map((k) => [accountKeyPart(n), ...k.slice(1)]) as [
    Key[],
    Key[],
  ];
  const data: AttemptRecord[] = [];
  let examined = 0;
  let lastKey: Key[] | null = null;
  let more = false;
  for (const { key, value } of dbs.attempts.getRange({
    start,
    end,
    reverse: true,
    exclusiveStart: true,
  })) {
    if (data.length === limit || examined === EXAMINED_MAX) {
      more = true;
      break;
    }
    examined++;
    lastKey = key as Key[];
    const attempt = attemptAt(dbs, key, value);
    if (matches(attempt, filter)) data.push(attempt);
  }
  const next =
    more && lastKey ? encodeCursor("att", scope, [lastKey[2] as number, lastKey[3] as string]) : null;
  return { data, next_cursor: next };
}

export function attemptsRepository(dbs: Databases, writer: WriteBatcher): AttemptRepository {
  return {
    add(attempt: AttemptRecord): Promise<void> {
      return writer.run(() => writeAttempt(dbs, attempt));
    },

    listForDelivery: (deliveryId) => settled(() => attemptsOfDelivery(dbs, deliveryId)),

    listForWebhook: (accountId, webhookId, filter, page) =>
      settled(() => attemptsOfWebhook(dbs, accountId, webhookId, filter, page)),
  };
}

/**
 * Where a newest-first scan of one webhook's attempts starts (exclusive) and ends. Keys run
 * [account, webhook, started_at, id]; a bare [account, webhook, t] sorts before every entry started
 * at t, so it is an exclusive upper bound for `until` and an inclusive lower bound for `since`.
 */
function scanBounds(
  scope: string[],
  filter: AttemptFilter,
  cursor: string | undefined,
): { start: Key[]; end: Key[] } {
  const upper = filter.until !== undefined ? [...scope, filter.until] : [...scope, TOP];
  const cursorAt = cursor ? [...scope, ...decodeCursor(cursor, "att", scope, ["number", "string"])] : null;
  const start = cursorAt && compareStart(cursorAt, upper) < 0 ? cursorAt : upper;
  const end = filter.since !== undefined ? [...scope, filter.since] : scope;
  return { start, end };
}

/** Orders two positions [account, webhook, started_at, id?] the way the index does. */
function compareStart(a: readonly unknown[], b: readonly unknown[]): number {
  const ta = a[2];
  const tb = b[2];
  // A string in the time slot is TOP: later than any time.
  if (typeof ta === "number" && typeof tb === "number") {
    if (ta !== tb) return ta - tb;
    if (a.length !== b.length) return a.length - b.length;
    return String(a[3]) < String(b[3]) ? -1 : String(a[3]) > String(b[3]) ? 1 : 0;
  }
  if (typeof ta === "number") return -1;
  if (typeof tb === "number") return 1;
  return 0;
}
