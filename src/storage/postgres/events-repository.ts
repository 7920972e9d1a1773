// Events and their fan-out. The publish calls of one event-loop turn are written by one statement
// with the turn's outcomes of attempts (./write-batch.ts, ./publish-part.ts), atomic on its own: a
// statement costs the server far more than a row (one event a statement: about 300 µs of
// PostgreSQL CPU an event; a hundred: under 50), and single-event publishes are the API's common
// case.

import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import type { EventRecord } from "../records";
import type { EventRepository, PublishItem, PublishOptions, PublishResult } from "../store";
import type { PgContext } from "./pg-context";
import { toDb } from "./pg-text";
import { type EventRow, eventOf } from "./rows";
import type { WriteBatch } from "./write-batch";

export function eventsRepository(ctx: PgContext, writes: WriteBatch): EventRepository {
  const { client, s } = ctx;

  function publish(items: PublishItem[], options?: PublishOptions): Promise<PublishResult[]> {
    if (items.length === 0) return Promise.resolve([]);
    return writes.publish({ items, options });
  }

  return {
    publish,

    async get(accountId, id) {
      const [row] = await client.run<EventRow>(
        `SELECT * FROM ${s}.events WHERE account_id = $1 AND id = $2`,
        [toDb(accountId), toDb(id)],
      );
      return row && eventOf(row);
    },

    async list(accountId, page) {
      const limit = pageLimit(page.limit);
      const position = page.cursor
        ? decodeCursor(page.cursor, "evt", [accountId], ["number", "string"])
        : undefined;
      const rows = await client.run<EventRow>(
        position === undefined
          ? `SELECT * FROM ${s}.events WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`
          : `SELECT * FROM ${s}.events WHERE account_id = $1 AND (created_at, id) < ($3::int8, $4::text)
             ORDER BY created_at DESC, id DESC LIMIT $2`,
        position === undefined
          ? [toDb(accountId), limit + 1]
          : [toDb(accountId), limit + 1, position[0], toDb(position[1] as string)],
      );
      return pageOf(rows.map(eventOf), limit, (last: EventRecord) =>
        encodeCursor("evt", [accountId], [last.created_at, last.id]),
      );
    },
  };
}
