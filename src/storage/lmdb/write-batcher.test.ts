import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, open, type RootDatabase } from "lmdb";
import { WriteBatcher } from "./write-batcher";

describe("WriteBatcher", () => {
  let dir = "";
  let root: RootDatabase;
  let db: Database;
  let writer: WriteBatcher;
  const lastTxnId = () => (root.getStats() as { lastTxnId: number }).lastTxnId;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "batcher-"));
    root = open({ path: join(dir, "t.mdb"), overlappingSync: true });
    db = root.openDB({ name: "t" });
    writer = new WriteBatcher(root);
  });
  afterEach(async () => {
    await root.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("jobs issued in one turn share one commit and see each other's writes in order", async () => {
    const before = lastTxnId();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        writer.run(() => {
          const count = (db.get("count") as number | undefined) ?? 0;
          db.putSync("count", count + 1);
          db.putSync(["item", i], i);
          return count;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(db.get("count")).toBe(50);
    expect(lastTxnId() - before).toBe(1);
  });

  test("a job that throws fails alone; the others of its batch commit", async () => {
    const outcomes = await Promise.allSettled([
      writer.run(() => db.putSync("a", 1)),
      writer.run(() => {
        db.putSync("b", 1);
        throw new Error("boom");
      }),
      writer.run(() => db.putSync("c", 1)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect([db.get("a"), db.get("b"), db.get("c")]).toEqual([1, undefined, 1]);
  });

  test("a tail stages per transaction: written once at its end, dropped when a job throws", async () => {
    const staged: number[] = [];
    const calls: string[] = [];
    const tail = {
      begin: () => {
        calls.push("begin");
        staged.length = 0;
      },
      end: () => {
        calls.push("end");
        db.putSync(
          "sum",
          staged.reduce((x, y) => x + y, (db.get("sum") as number | undefined) ?? 0),
        );
        staged.length = 0;
      },
      drop: () => {
        calls.push("drop");
        staged.length = 0;
      },
    };
    const tailed = new WriteBatcher(root, { tail });
    const before = lastTxnId();
    await Promise.all([1, 2, 3].map((n) => tailed.run(() => staged.push(n))));
    expect(db.get("sum")).toBe(6);
    expect(calls).toEqual(["begin", "end"]);
    expect(lastTxnId() - before).toBe(1);

    calls.length = 0;
    const outcomes = await Promise.allSettled([
      tailed.run(() => staged.push(10)),
      tailed.run(() => {
        staged.push(100);
        throw new Error("boom");
      }),
      tailed.run(() => staged.push(20)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    // The shared transaction rolled back (its staging dropped), then each job ran alone.
    expect(calls).toEqual(["begin", "drop", "begin", "end", "begin", "drop", "begin", "end"]);
    expect(db.get("sum")).toBe(36);
  });

  test("a job's writes are readable when its promise resolves; idle waits for queued jobs", async () => {
    const pending = writer.run(() => db.putSync("k", "v"));
    expect(db.get("k")).toBeUndefined();
    await writer.idle();
    expect(db.get("k")).toBe("v");
    await pending;
  });

  test("afterCommit runs once the job's writes are readable, before its promise resolves, and on rollback", async () => {
    const seen: unknown[] = [];
    const done = writer.run(
      () => db.putSync("x", 1),
      (committed) => seen.push(["after", committed, db.get("x")]),
    );
    await done.then(() => seen.push("resolved"));
    expect(seen).toEqual([["after", true, 1], "resolved"]);

    // A batch that rolls back: every hook hears of the rollback, then the good job's hook hears of
    // its replay's commit and the bad job's of its own rollback.
    const hooks: string[] = [];
    const outcomes = await Promise.allSettled([
      writer.run(
        () => db.putSync("y", 1),
        (committed) => hooks.push(`good ${committed}`),
      ),
      writer.run(
        () => {
          throw new Error("boom");
        },
        (committed) => hooks.push(`bad ${committed}`),
      ),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected"]);
    expect(hooks).toEqual(["good false", "bad false", "good true", "bad false"]);
  });

  test("a deferrable job waits for the next commit, and its promise resolves only after it", async () => {
    const paced = new WriteBatcher(root, { commitGapMs: 0, deferMsMax: 60_000 });
    const before = lastTxnId();
    let resolved = false;
    const outcome = paced
      .run(() => db.putSync("outcome", 1), undefined, { deferrable: true })
      .then(() => {
        resolved = true;
      });
    await Bun.sleep(20);
    expect(resolved).toBe(false);
    expect(db.get("outcome")).toBeUndefined();
    // An urgent job starts a commit at the end of its turn; the deferred one rides along.
    await paced.run(() => db.putSync("publish", 1));
    await outcome;
    expect([db.get("outcome"), db.get("publish")]).toEqual([1, 1]);
    expect(lastTxnId() - before).toBe(1);
  });

  test("idle hurries deferred jobs", async () => {
    const paced = new WriteBatcher(root, { deferMsMax: 60_000 });
    const outcome = paced.run(() => db.putSync("outcome", 2), undefined, { deferrable: true });
    await paced.idle();
    expect(db.get("outcome")).toBe(2);
    await outcome;
  });

  test("a job's promise resolves after its transaction has committed, never before", async () => {
    const order: string[] = [];
    const tracking = {
      transactionSync<T>(fn: () => T): T {
        const result = root.transactionSync(fn);
        order.push("committed");
        return result;
      },
    };
    const paced = new WriteBatcher(tracking, { commitGapMs: 40, deferMsMax: 60_000 });
    await paced.run(() => db.putSync("first", 1)).then(() => order.push("first resolved"));
    // Right after a commit: this one waits for the gap.
    const second = paced.run(() => db.putSync("second", 1)).then(() => order.push("second resolved"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(["committed", "first resolved"]);
    await second;
    expect(order).toEqual(["committed", "first resolved", "committed", "second resolved"]);
  });

  test("close commits deferred jobs at once", async () => {
    const paced = new WriteBatcher(root, { deferMsMax: 60_000 });
    const outcome = paced.run(() => db.putSync("deferred", true), undefined, { deferrable: true });
    paced.close();
    await outcome;
    expect(db.get("deferred")).toBe(true);
  });

  test("close commits what is queued and refuses new jobs", async () => {
    const pending = writer.run(() => db.putSync("last", true));
    writer.close();
    await pending;
    expect(db.get("last")).toBe(true);
    await expect(writer.run(() => 1)).rejects.toThrow(/closed/);
  });
});
