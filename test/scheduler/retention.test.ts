// Retention sweeps: batches until nothing is left, never one long write, against a real LMDB.

import { describe, expect, test } from "bun:test";
import { newId } from "../../src/domain/ids";
import { startRetention } from "../../src/scheduler/retention";
import type { AttemptRecord, SessionRecord } from "../../src/storage/records";
import type { RetentionResult, Store } from "../../src/storage/store";
import { createAccount, createWebhook, tempStore } from "../delivery/store-fixtures";
import { cleanupAfterEach } from "../support/cleanups";
import { silentLogger } from "../support/silent-logger";

const DAY = 86_400_000;
const cleanups = cleanupAfterEach();

function oldAttempt(accountId: string, webhookId: string, startedAt: number): AttemptRecord {
  return {
    id: newId("att", startedAt),
    account_id: accountId,
    webhook_id: webhookId,
    delivery_id: null,
    event_id: "evt_test",
    event_type: "message.delivered",
    attempt: 1,
    started_at: startedAt,
    duration_ms: 5,
    outcome: "succeeded",
    status_code: 200,
    error_class: null,
    error_message: null,
    response_body: "ok",
    test: true,
  };
}

describe("retention", () => {
  test("purges everything older than the retention period in batches, keeping recent records", async () => {
    const { store } = await tempStore(cleanups);
    const account = await createAccount(store);
    const webhook = await createWebhook(store, account, "http://127.0.0.1:9/");
    const now = Date.now();
    const old = Array.from({ length: 1_200 }, (_, i) => oldAttempt(account, webhook.id, now - 40 * DAY + i));
    const recent = Array.from({ length: 10 }, (_, i) => oldAttempt(account, webhook.id, now - DAY + i));
    // Issued together, the writes share commits.
    await Promise.all([...old, ...recent].map((a) => store.attempts.add(a)));

    const calls: Array<{ limit: number; removed: RetentionResult }> = [];
    const counting: Pick<Store, "purge"> = {
      purge: async (before, limit) => {
        const removed = await store.purge(before, limit);
        calls.push({ limit, removed });
        return removed;
      },
    };
    const job = startRetention({ store: counting, retentionMs: 30 * DAY, logger: silentLogger, batch: 500 });
    cleanups.push(() => job.stop());
    const total = await job.sweep();
    expect(total.attempts).toBe(1_200);
    expect(calls.map((c) => c.removed.attempts)).toEqual([500, 500, 200, 0]);
    expect(calls.every((c) => c.limit === 500)).toBe(true);
    const left = await store.attempts.listForWebhook(account, webhook.id, {}, { limit: 100 });
    expect(left.data).toHaveLength(10);
    expect(left.data.every((a) => a.started_at > now - 2 * DAY)).toBe(true);
  });

  test("purges ended dashboard sessions and portal links in batches, keeping live ones", async () => {
    const { store } = await tempStore(cleanups);
    const now = Date.now();
    const session = (n: number, expiresAt: number, lastSeenAt: number): SessionRecord => ({
      id_hash: n.toString(16).padStart(64, "0"),
      kind: "admin",
      account_id: null,
      key_hash: "a".repeat(64),
      origin: "key",
      scopes: ["publish", "manage"],
      csrf_token: "csrf",
      created_at: now - 2 * DAY,
      expires_at: expiresAt,
      last_seen_at: lastSeenAt,
    });
    const expired = Array.from({ length: 5 }, (_, i) => session(i, now - 1_000 - i, now - 2_000));
    const idle = Array.from({ length: 4 }, (_, i) => session(100 + i, now + DAY, now - 3_600_000 - i - 1));
    const live = session(999, now + DAY, now - 60_000);
    await Promise.all([...expired, ...idle, live].map((s) => store.sessions.create(s)));
    const link = (n: number, expiresAt: number) => ({
      token_hash: n.toString(16).padStart(64, "0"),
      account_id: "acct_1",
      created_at: now - DAY,
      expires_at: expiresAt,
    });
    await Promise.all([1, 2, 3].map((n) => store.portalLinks.create(link(n, now - n))));
    await store.portalLinks.create(link(9, now + 60_000));

    const job = startRetention({
      store,
      retentionMs: 30 * DAY,
      logger: silentLogger,
      batch: 2,
      now: () => now,
      sessions: { store, idleMs: 3_600_000 },
    });
    cleanups.push(() => job.stop());
    expect(await job.sweep()).toMatchObject({ sessions: 9, portalLinks: 3 });
    for (const s of [...expired, ...idle]) expect(await store.sessions.get(s.id_hash)).toBeUndefined();
    expect(await store.sessions.get(live.id_hash)).toEqual(live);
    expect(await store.portalLinks.consume(link(9, 0).token_hash, now)).toEqual(link(9, now + 60_000));
    expect(await job.sweep()).toMatchObject({ sessions: 0, portalLinks: 0 });
  });

  test("sweeps on its interval until stopped, and stop waits for the batch in progress", async () => {
    let calls = 0;
    let inProgress = false;
    let remaining = 3;
    const store: Pick<Store, "purge"> = {
      purge: async () => {
        calls++;
        inProgress = true;
        await Bun.sleep(20);
        inProgress = false;
        const removed = remaining > 0 ? 1 : 0;
        remaining = Math.max(0, remaining - 1);
        return { attempts: removed, events: 0, deliveries: 0 };
      },
    };
    const job = startRetention({ store, retentionMs: DAY, logger: silentLogger, intervalMs: 30 });
    await Bun.sleep(100);
    expect(calls).toBeGreaterThanOrEqual(4); // three batches that removed something, then an empty one
    await job.stop();
    expect(inProgress).toBe(false);
    const after = calls;
    await Bun.sleep(100);
    expect(calls).toBe(after);
  });

  test("a failing purge is logged and the next interval tries again", async () => {
    let calls = 0;
    const store: Pick<Store, "purge"> = {
      purge: async () => {
        calls++;
        if (calls === 1) throw new Error("disk on fire");
        return { attempts: 0, events: 0, deliveries: 0 };
      },
    };
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (msg: string) => errors.push(msg) };
    const job = startRetention({ store, retentionMs: DAY, logger, intervalMs: 20 });
    cleanups.push(() => job.stop());
    await Bun.sleep(120);
    expect(errors).toEqual(["retention sweep failed"]);
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});
