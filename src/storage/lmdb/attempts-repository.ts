// Attempt logs. The record is stored by [started_at, attemptId] (retention walks that order) and
// indexed by delivery and by [account, webhook, started_at, attemptId]; the webhook index carries the
// filter fields, so filtering a log page reads no records that it then discards.
//
// Listing a webhook's attempts is newest first by start time. `since`/`until` bound the scanned
// range itself; the other filters are checked per entry, and one page examines at most
// MAX_EXAMINED entries: a page cut short by that cap may hold fewer than `limit` rows (even none)
// and still carries a cursor to continue from where it stopped.

import type { Key } from "lmdb";
import type { AttemptFilter, AttemptRecord, Page, PageQuery } from "../records";
import type { AttemptRepository } from "../store";
import { decodeCursor, encodeCursor, pageLimit } from "./cursor";
import { entriesUnder, TOP } from "./key-ranges";
import { type Databases, MARK } from "./lmdb-databases";
import type { WriteBatcher } from "./write-batcher";

export const MAX_EXAMINED = 10_000;

type FilterFields = [outcome: string, eventType: string, eventId: string];

/** Writes an attempt and its indexes; runs inside a write transaction. */
export function putAttempt(dbs: Databases, attempt: AttemptRecord): void {
  dbs.attempts.putSync([attempt.started_at, attempt.id], attempt);
  if (attempt.delivery_id !== null) {
    dbs.attemptsByDelivery.putSync([attempt.delivery_id, attempt.started_at, attempt.id], MARK);
  }
  const fields: FilterFields = [attempt.outcome, attempt.event_type, attempt.event_id];
  dbs.attemptsByWebhook.putSync(
    [attempt.account_id, attempt.webhook_id, attempt.started_at, attempt.id],
    fields,
  );
}

/** Removes an attempt and its indexes; runs inside a write transaction. */
export function removeAttempt(dbs: Databases, attempt: AttemptRecord): void {
  dbs.attempts.removeSync([attempt.started_at, attempt.id]);
  if (attempt.delivery_id !== null) {
    dbs.attemptsByDelivery.removeSync([attempt.delivery_id, attempt.started_at, attempt.id]);
  }
  dbs.attemptsByWebhook.removeSync([attempt.account_id, attempt.webhook_id, attempt.started_at, attempt.id]);
}

function matches(fields: FilterFields, filter: AttemptFilter): boolean {
  return (
    (filter.outcome === undefined || fields[0] === filter.outcome) &&
    (filter.event_type === undefined || fields[1] === filter.event_type) &&
    (filter.event_id === undefined || fields[2] === filter.event_id)
  );
}

export function attemptsRepository(dbs: Databases, writer: WriteBatcher): AttemptRepository {
  return {
    add(attempt: AttemptRecord): Promise<void> {
      return writer.run(() => putAttempt(dbs, attempt));
    },

    /** In the order they were made (oldest first). */
    listForDelivery(deliveryId: string): AttemptRecord[] {
      const out: AttemptRecord[] = [];
      for (const { key } of entriesUnder(dbs.attemptsByDelivery, [deliveryId])) {
        const attempt = dbs.attempts.get([key[1] as number, key[2] as string]) as AttemptRecord | undefined;
        if (attempt) out.push(attempt);
      }
      return out;
    },

    listForWebhook(
      accountId: string,
      webhookId: string,
      filter: AttemptFilter,
      page: PageQuery,
    ): Page<AttemptRecord> {
      const limit = pageLimit(page.limit);
      const scope = [accountId, webhookId];
      // Keys run [account, webhook, started_at, id]; a bare [account, webhook, t] sorts before
      // every entry started at t, so it is an exclusive upper bound for `until` and an inclusive
      // lower bound for `since`.
      const upper = filter.until !== undefined ? [...scope, filter.until] : [...scope, TOP];
      const cursorAt = page.cursor
        ? [...scope, ...decodeCursor(page.cursor, "att", scope, ["number", "string"])]
        : null;
      const start = cursorAt && compareStart(cursorAt, upper) < 0 ? cursorAt : upper;
      const end = filter.since !== undefined ? [...scope, filter.since] : scope;
      const data: AttemptRecord[] = [];
      let examined = 0;
      let lastKey: Key[] | null = null;
      let more = false;
      for (const { key, value } of dbs.attemptsByWebhook.getRange({
        start,
        end,
        reverse: true,
        exclusiveStart: true,
      })) {
        if (data.length === limit || examined === MAX_EXAMINED) {
          more = true;
          break;
        }
        examined++;
        lastKey = key as Key[];
        if (!matches(value as FilterFields, filter)) continue;
        const attempt = dbs.attempts.get([lastKey[2] as number, lastKey[3] as string]) as
          | AttemptRecord
          | undefined;
        if (attempt) data.push(attempt);
      }
      const next =
        more && lastKey ? encodeCursor("att", scope, [lastKey[2] as number, lastKey[3] as string]) : null;
      return { data, next_cursor: next };
    },
  };
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
