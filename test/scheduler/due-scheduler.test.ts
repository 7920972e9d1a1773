// The runtime scheduler against an in-memory due-time queue: bounded memory whatever the backlog,
// incremental loading, no double fires, and entries found again when never announced.

import { afterEach, describe, expect, test } from "bun:test";
import { DueScheduler, type DueSchedulerOptions } from "../../src/scheduler/due-scheduler";
import { silentLogger } from "../support/silent-logger";
import { MemoryQueue } from "./memory-queue";

const schedulers: DueScheduler[] = [];
afterEach(() => {
  for (const s of schedulers.splice(0)) s.stop();
});

async function waitUntil(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

/** A dispatcher stand-in: holds fired ids, finishes them when told (removing them from the queue). */
function harness(queue: MemoryQueue, opts: Partial<DueSchedulerOptions> = {}) {
  const held = new Set<string>();
  const fired: string[] = [];
  let maxInMemory = 0;
  const scheduler = new DueScheduler({
    queue,
    logger: silentLogger,
    refillMs: 20,
    rescanMs: 100,
    onDue: (id) => {
      if (held.has(id)) throw new Error(`double fire of ${id}`);
      held.add(id);
      fired.push(id);
    },
    ...opts,
  });
  schedulers.push(scheduler);
  const sample = () => {
    maxInMemory = Math.max(maxInMemory, scheduler.size + held.size);
  };
  const finish = (id: string) => {
    queue.remove(id);
    held.delete(id);
    scheduler.release(id);
  };
  return { scheduler, held, fired, finish, sample, maxInMemory: () => maxInMemory };
}

describe("DueScheduler", () => {
  test("start loads nothing synchronously, and every read is one bounded page", async () => {
    const queue = new MemoryQueue();
    const now = Date.now();
    const far = Array.from({ length: 1_000_000 }, (_, i) => ({
      delivery_id: `dlv_far_${String(i).padStart(7, "0")}`,
      due: now + 3_600_000 + i,
    }));
    queue.addAll(far);
    const near = Array.from({ length: 50 }, (_, i) => ({ delivery_id: `dlv_near_${i}`, due: now + 20 + i }));
    queue.addAll(near);
    const { scheduler, fired } = harness(queue, { batch: 1_000, horizonMs: 60_000 });
    scheduler.start();
    expect(queue.scans).toHaveLength(0);
    await waitUntil("near entries", () => fired.length === 50);
    expect(new Set(fired)).toEqual(new Set(near.map((e) => e.delivery_id)));
    for (const scan of queue.scans) expect(scan.limit).toBeLessThanOrEqual(1_000);
    // Far entries are outside the horizon: nothing of the million is held.
    expect(scheduler.size).toBe(0);
  });

  test("a huge overdue backlog is held at most heldMax at a time and each entry fires once", async () => {
    const queue = new MemoryQueue();
    const now = Date.now();
    const total = 20_000;
    queue.addAll(
      Array.from({ length: total }, (_, i) => ({
        delivery_id: `dlv_${String(i).padStart(6, "0")}`,
        due: now - 3_600_000 + i,
      })),
    );
    const h = harness(queue, { heldMax: 500, batch: 200 });
    h.scheduler.start();
    // Finish held work steadily, as a dispatcher at its concurrency cap would.
    const worker = setInterval(() => {
      h.sample();
      for (const id of [...h.held].slice(0, 250)) h.finish(id);
    }, 1);
    try {
      await waitUntil("backlog drained", () => h.fired.length === total && h.held.size === 0, 20_000);
    } finally {
      clearInterval(worker);
    }
    expect(h.maxInMemory()).toBeLessThanOrEqual(500);
    expect(new Set(h.fired).size).toBe(total);
    // Loaded in due order: the first fired are the oldest.
    expect(h.fired.slice(0, 3)).toEqual(["dlv_000000", "dlv_000001", "dlv_000002"]);
  }, 30_000);

  test("an entry announced and also read from the queue fires once; ids handed out are never loaded", async () => {
    const queue = new MemoryQueue();
    const now = Date.now();
    queue.add({ delivery_id: "dlv_b", due: now - 10 });
    const h = harness(queue);
    h.scheduler.start();
    // Handed out and not answered (an attempt in flight): neither announcements nor refills bring it back.
    await waitUntil("dlv_b handed out", () => h.fired.length === 1);
    expect(h.scheduler.handedOut).toBe(1);
    queue.add({ delivery_id: "dlv_a", due: now + 30 });
    expect(h.scheduler.schedule({ delivery_id: "dlv_a", due: now + 30 })).toBe(true);
    expect(h.scheduler.schedule({ delivery_id: "dlv_b", due: now + 30 })).toBe(false);
    await Bun.sleep(300);
    expect(h.fired).toEqual(["dlv_b", "dlv_a"]);
    // Once answered, it may be scheduled again.
    h.finish("dlv_b");
    expect(h.scheduler.handedOut).toBe(1);
    expect(h.scheduler.schedule({ delivery_id: "dlv_b", due: Date.now() })).toBe(true);
  });

  test("schedule moves an id to its new due time", async () => {
    const queue = new MemoryQueue();
    const h = harness(queue);
    h.scheduler.start();
    const now = Date.now();
    h.scheduler.schedule({ delivery_id: "dlv_x", due: now + 40 });
    h.scheduler.schedule({ delivery_id: "dlv_x", due: now + 10_000 });
    await Bun.sleep(150);
    expect(h.fired).toEqual([]);
    h.scheduler.schedule({ delivery_id: "dlv_x", due: Date.now() });
    await waitUntil("fire", () => h.fired.length === 1);
    // Beyond the horizon, an announcement only drops the id from memory; the queue brings it later.
    h.finish("dlv_x");
    expect(h.scheduler.schedule({ delivery_id: "dlv_y", due: Date.now() + 3_600_000 })).toBe(false);
    expect(h.scheduler.size).toBe(0);
  });

  test("entries never announced, even behind the read position, are found by the periodic re-read", async () => {
    const queue = new MemoryQueue();
    const now = Date.now();
    queue.add({ delivery_id: "dlv_late", due: now + 50 });
    const h = harness(queue, { rescanMs: 100, refillMs: 20 });
    h.scheduler.start();
    await waitUntil("first", () => h.fired.length === 1);
    h.finish("dlv_late");
    // Written behind the cursor and never announced (as a manual retry might be).
    queue.add({ delivery_id: "dlv_sneaky", due: now - 1_000 });
    await waitUntil("re-read", () => h.fired.includes("dlv_sneaky"), 2_000);
  });

  test("entries left out are re-read from the earliest of them when asked, not from the start", async () => {
    const queue = new MemoryQueue();
    const now = Date.now();
    const ids = Array.from({ length: 10 }, (_, i) => `dlv_${i}`);
    queue.addAll(ids.map((id, i) => ({ delivery_id: id, due: now - 10_000 + i })));
    let refuse = true;
    const fired: string[] = [];
    const scheduler: DueScheduler = new DueScheduler({
      queue,
      logger: silentLogger,
      refillMs: 20,
      rescanMs: 3_600_000,
      rescanGapMsMin: 10,
      // Like a dispatcher whose lane is full: entries 6..9 are left in the store.
      onDue: (id) => {
        fired.push(id);
        const i = Number(id.slice(4));
        if (refuse && i >= 6) scheduler.leftOut({ delivery_id: id, due: now - 10_000 + i });
        else {
          queue.remove(id);
          scheduler.release(id);
        }
      },
    });
    schedulers.push(scheduler);
    scheduler.start();
    await waitUntil("first pass", () => fired.length === 10);
    refuse = false;
    const scansBefore = queue.scans.length;
    scheduler.rescanSoon();
    await waitUntil("left-out entries again", () => fired.length === 14);
    expect(fired.slice(10)).toEqual(["dlv_6", "dlv_7", "dlv_8", "dlv_9"]);
    const reread = queue.scans.slice(scansBefore).find((scan) => scan.returned > 0);
    expect(reread?.after).toEqual({ due: now - 10_000 + 6, delivery_id: "" });
  });

  test("stop ends timers: nothing fires afterwards", async () => {
    const queue = new MemoryQueue();
    queue.add({ delivery_id: "dlv_1", due: Date.now() + 100 });
    const h = harness(queue);
    h.scheduler.start();
    await Bun.sleep(30);
    h.scheduler.stop();
    await Bun.sleep(200);
    expect(h.fired).toEqual([]);
  });
});
