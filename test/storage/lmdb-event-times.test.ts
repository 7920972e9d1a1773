// Events whose id does not tell their creation time (a publisher's own id, or a generated-looking id
// stamped at another time) are found through the id -> time table, listed in time order like the
// others, and leave nothing behind in that table when retention removes them.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../../src/domain/ids";
import { idTime } from "../../src/storage/lmdb/event-locations";
import { entryCount } from "../../src/storage/lmdb/lmdb-databases";
import { lmdbDatabasesOf, openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { silentLogger } from "../support/silent-logger";
import { event, item, tenant } from "./fixtures";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test("events found by any id, listed by time, and removed without leftovers", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "inbox-event-times-"));
  dirs.push(dataDir);
  // Ids are stamped with at least the latest time any id of this process had (../../src/domain/ids.ts).
  const stamped = newId("evt");
  const at = idTime(stamped) as number;
  const store = await openLmdbStore({ dataDir, logger: silentLogger, now: () => at });
  try {
    const { account, webhook } = await tenant(store);
    const events = [
      event(account.id, { id: stamped, created_at: at }),
      event(account.id, { id: "order-42:created", created_at: at + 1 }),
      // Generated-looking, but stamped with time 0.
      event(account.id, { id: "evt_00000000000123456789ABCDEF", created_at: at + 2 }),
    ];
    await store.events.publish(events.map((e) => item(e, [webhook.id])));
    const dbs = lmdbDatabasesOf(store);
    if (!dbs) throw new Error("not an LMDB store");
    // Only the two whose id does not tell their time need an entry.
    expect(entryCount(dbs.eventTimes)).toBe(2);
    for (const e of events) {
      expect(await store.events.get(account.id, e.id)).toEqual(e);
      expect(await store.deliveries.listForEvent(account.id, e.id)).toHaveLength(1);
    }
    expect((await store.events.list(account.id, { limit: 10 })).data).toEqual([...events].reverse());
    expect(await store.events.get(account.id, "order-43:created")).toBeUndefined();
    expect(await store.events.get("acct_unknown", events[0]?.id as string)).toBeUndefined();

    // Finished (cancelled with their webhook), then older than retention: all three go.
    await store.webhooks.delete(account.id, webhook.id);
    expect(await store.purge(at + 10, 100)).toEqual({ attempts: 0, events: 3, deliveries: 3 });
    expect(entryCount(dbs.eventTimes)).toBe(0);
    expect(await store.events.get(account.id, "order-42:created")).toBeUndefined();
  } finally {
    await store.close();
  }
});
