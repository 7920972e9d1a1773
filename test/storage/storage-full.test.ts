// Disk full: writes are refused with StoreFullError once free space falls below the reserve (or when
// LMDB itself fails a commit for lack of space), store nothing, and are reported (state, one log line
// per transition); writes succeed again once space returns, and nothing that was accepted before,
// during or after is lost, across a reopen too.

import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createLogger, type Logger } from "../../src/observability/logger";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import {
  isOutOfSpace,
  RESERVE_BYTES,
  RESUME_BYTES,
  SpaceMonitor,
} from "../../src/storage/lmdb/storage-space";
import { type Store, StoreFullError } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { mountSmallDisk, type SmallDisk, smallDiskUnavailable } from "../support/small-disk";
import { event, item, tenant } from "./fixtures";

/** The error lmdb-js throws when a commit cannot write its pages (measured on a full tmpfs). */
function enospc(): Error {
  const error = new Error(
    "No space left on device: Attempting to write page at position 2093056, size 4096, blocks 1",
  );
  (error as Error & { code: number }).code = 28;
  return error;
}

function recordingLogger(): { logger: Logger; lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const logger = createLogger("debug", (line) => lines.push(JSON.parse(line)));
  return { logger, lines };
}

describe("recognising a full disk", () => {
  test("lmdb's ENOSPC, a quota and a full map are out of space; other failures are not", () => {
    expect(isOutOfSpace(enospc())).toBe(true);
    expect(isOutOfSpace(Object.assign(new Error("Disk quota exceeded"), { code: 122 }))).toBe(true);
    expect(
      isOutOfSpace(
        Object.assign(new Error("MDB_MAP_FULL: Environment mapsize limit reached"), { code: -30792 }),
      ),
    ).toBe(true);
    expect(isOutOfSpace(Object.assign(new Error("Permission denied"), { code: 13 }))).toBe(false);
    expect(isOutOfSpace(new TypeError("x is undefined"))).toBe(false);
    expect(isOutOfSpace("No space left on device")).toBe(false);
  });
});

const MiB = 1024 * 1024;

function refusedBy(monitor: SpaceMonitor, commit: () => unknown): StoreFullError {
  let thrown: unknown;
  try {
    monitor.guard(commit);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(StoreFullError);
  return thrown as StoreFullError;
}

describe("the space monitor", () => {
  test("refuses below the reserve without running the commit, logs once, resumes above RESUME_BYTES", () => {
    const { logger, lines } = recordingLogger();
    let free = RESERVE_BYTES + MiB;
    let now = 1_000;
    const monitor = new SpaceMonitor({ dataDir: "/data", logger, freeBytes: () => free, now: () => now });
    expect(monitor.guard(() => 1)).toBe(1);
    expect(monitor.health()).toEqual({ writable: true, reason: null, since: undefined, refusedWrites: 0 });

    free = RESERVE_BYTES - 1;
    let ran = 0;
    for (let i = 0; i < 5; i++) refusedBy(monitor, () => ran++);
    expect(ran).toBe(0);
    expect(monitor.health()).toEqual({ writable: false, reason: "full", since: 1_000, refusedWrites: 5 });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ["warn", "storage full: writes are refused until space is freed"],
    ]);

    // Back above the reserve but below the resume mark: still refused (no flapping at the edge).
    now = 2_000;
    free = RESERVE_BYTES + MiB;
    refusedBy(monitor, () => ran++);
    expect(ran).toBe(0);

    free = RESUME_BYTES;
    expect(monitor.guard(() => "ok")).toBe("ok");
    expect(monitor.health()).toEqual({ writable: true, reason: null, since: undefined, refusedWrites: 6 });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ["warn", "storage full: writes are refused until space is freed"],
      ["warn", "storage writable again"],
    ]);
    monitor.close();
  });

  test("a commit LMDB fails for lack of space (ENOSPC, or EIO after a short write) is refused too", () => {
    let free = Number.POSITIVE_INFINITY;
    let now = 1_000;
    const monitor = new SpaceMonitor({
      dataDir: "/data",
      logger: silentLogger,
      freeBytes: () => free,
      now: () => now,
      probeIntervalMs: 5_000,
    });
    const error = refusedBy(monitor, () => {
      throw enospc();
    });
    expect(error.cause).toBeInstanceOf(Error);
    expect(monitor.health().writable).toBe(false);
    // Free space reads as plenty, yet the write failed for space: the next writes are refused
    // without being tried (no flapping), until one trial write a probe interval later succeeds.
    refusedBy(monitor, () => 2);
    now += 5_000;
    expect(monitor.guard(() => 2)).toBe(2);
    expect(monitor.health().writable).toBe(true);

    free = MiB; // below the reserve only after the check: the disk filled during the commit
    const short = Object.assign(new Error("Input/output error"), { code: 5 });
    let checks = 0;
    const racing = new SpaceMonitor({
      dataDir: "/data",
      logger: silentLogger,
      freeBytes: () => (checks++ === 0 ? RESUME_BYTES : free),
    });
    refusedBy(racing, () => {
      throw short;
    });
    racing.close();
    monitor.close();
  });

  test("a quota or a full map (failures while statfs shows room) neither flap the state nor flood the log", () => {
    const lines: { level: string; msg: string }[] = [];
    const logger = createLogger("debug", (line) => lines.push(JSON.parse(line)));
    let now = 1_000;
    const monitor = new SpaceMonitor({
      dataDir: "/data",
      logger,
      freeBytes: () => 10 * 1024 * MiB,
      now: () => now,
      probeIntervalMs: 5_000,
    });
    let tried = 0;
    const quotaFull = () => {
      tried++;
      throw Object.assign(new Error("Disk quota exceeded"), { code: 122 });
    };
    for (let i = 0; i < 100; i++) refusedBy(monitor, quotaFull);
    expect(tried).toBe(1);
    expect(monitor.health().writable).toBe(false);
    now += 5_000; // one trial a probe interval: still failing, still full, nothing logged
    refusedBy(monitor, quotaFull);
    expect(tried).toBe(2);
    now += 5_000; // the quota was raised: the trial succeeds and the state ends
    expect(monitor.guard(() => "ok")).toBe("ok");
    expect(monitor.health()).toMatchObject({ writable: true, refusedWrites: 101 });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ["warn", "storage full: writes are refused until space is freed"],
      ["warn", "storage writable again"],
    ]);
    monitor.close();
  });

  test("other failures pass through unchanged and do not count", () => {
    const monitor = new SpaceMonitor({
      dataDir: "/data",
      logger: silentLogger,
      freeBytes: () => RESUME_BYTES,
    });
    const other = new Error("MDB_BAD_TXN");
    expect(() =>
      monitor.guard(() => {
        throw other;
      }),
    ).toThrow(other);
    // EIO with plenty of space is a real I/O error, not a full disk.
    const io = Object.assign(new Error("Input/output error"), { code: 5 });
    expect(() =>
      monitor.guard(() => {
        throw io;
      }),
    ).toThrow(io);
    expect(monitor.health().refusedWrites).toBe(0);
  });

  test("while full and idle, the state returns to ok by itself once space is freed", async () => {
    let free = 0;
    const monitor = new SpaceMonitor({
      dataDir: "/data",
      logger: silentLogger,
      freeBytes: () => free,
      probeIntervalMs: 10,
    });
    refusedBy(monitor, () => undefined);
    await Bun.sleep(50);
    expect(monitor.health().writable).toBe(false);
    free = RESUME_BYTES;
    for (let i = 0; i < 100 && !monitor.health().writable; i++) await Bun.sleep(10);
    expect(monitor.health().writable).toBe(true);
    monitor.close();
  });
});

describe.skipIf(smallDiskUnavailable !== undefined)(
  `a real full disk (tmpfs)${smallDiskUnavailable ? `: skipped, ${smallDiskUnavailable}` : ""}`,
  () => {
    let disk: SmallDisk | undefined;
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
      disk?.remove();
      disk = undefined;
    });

    test("publishes are refused with StoreFullError and store nothing; accepted ones all survive", async () => {
      disk = mountSmallDisk(128);
      const dataDir = join(disk.dir, "data");
      const { logger, lines } = recordingLogger();
      store = await openLmdbStore({ dataDir, logger });
      const t = await tenant(store);
      disk.fill(RESERVE_BYTES + 2 * MiB);

      const accepted: string[] = [];
      const refused: string[] = [];
      for (let i = 0; i < 2_000 && refused.length < 20; i++) {
        const ev = event(t.account.id, { data: { blob: "x".repeat(4_000), i } });
        try {
          await store.events.publish([item(ev, [t.webhook.id])]);
          accepted.push(ev.id);
        } catch (error) {
          expect(error).toBeInstanceOf(StoreFullError);
          refused.push(ev.id);
        }
      }
      expect(refused.length).toBe(20);
      expect(accepted.length).toBeGreaterThan(0);
      expect(store.health()).toMatchObject({ writable: false, reason: "full" });
      expect(store.health().refusedWrites).toBeGreaterThanOrEqual(20);
      for (const id of refused) expect(await store.events.get(t.account.id, id)).toBeUndefined();
      expect(lines.filter((l) => l.msg.startsWith("storage full"))).toHaveLength(1);

      disk.free();
      const after = event(t.account.id);
      await store.events.publish([item(after, [t.webhook.id])]);
      accepted.push(after.id);
      expect(store.health()).toMatchObject({ writable: true, reason: null });
      expect(lines.filter((l) => l.msg === "storage writable again")).toHaveLength(1);

      await store.close();
      store = await openLmdbStore({ dataDir, logger: silentLogger });
      for (const id of accepted) expect((await store.events.get(t.account.id, id))?.id).toBe(id);
      expect(store.figures().pendingDeliveries).toBe(accepted.length);
    });
  },
);
