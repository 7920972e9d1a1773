// The runtime scheduler against in-memory due work with leases: bounded memory whatever the
// backlog, incremental leasing, no double fires, entries found again when never handed in, and
// every lease it does not use given back.

import { afterEach, describe, expect, test } from "bun:test";
import { DueScheduler, type DueSchedulerOptions } from "../../src/scheduler/due-scheduler";
import { type HeldLease, heldLease } from "../../src/scheduler/held-lease";
import { silentLogger } from "../support/silent-logger";
import { MemoryWork } from "./memory-work";

const OWNER = "replica-test";

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

/** A dispatcher stand-in: holds fired ids, finishes them when told (removing them from the store). */
function harness(queue: MemoryWork, opts: Partial<DueSchedulerOptions> = {}) {
  const held = new Set<string>();
  const fired: string[] = [];
  let maxInMemory = 0;
  const scheduler = new DueScheduler({
    work: queue,
    owner: OWNER,
    leaseMs: 60_000,
    logger: silentLogger,
    refillMs: 20,
    rescanMs: 100,
    onDue: ({ lease }: HeldLease) => {
      const id = lease.delivery.id;
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
    scheduler.done(id);
  };
  return { scheduler, held, fired, finish, sample, maxInMemory: () => maxInMemory };
}

describe("DueScheduler", () => {
  test("start loads nothing synchronously, and every read is one bounded page", async () => {
    const queue = new MemoryWork();
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
    const queue = new MemoryWork();
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

  test("a lease handed in fires once; a lease on an id handed out is given back", async () => {
    const queue = new MemoryWork();
    const now = Date.now();
    queue.add({ delivery_id: "dlv_b", due: now - 10 });
    const h = harness(queue);
    h.scheduler.start();
    // Handed out and not answered (an attempt in flight): a lease handed in for it goes back.
    await waitUntil("dlv_b handed out", () => h.fired.length === 1);
    expect(h.scheduler.handedOut).toBe(1);
    const a = queue.grant({ delivery_id: "dlv_a", due: now + 30 }, OWNER);
    expect(h.scheduler.schedule(heldLease(a, now))).toBe(true);
    const stale = { ...a, delivery: { ...a.delivery, id: "dlv_b" }, token: 999 };
    expect(h.scheduler.schedule(heldLease(stale, now))).toBe(false);
    await Bun.sleep(300);
    expect(h.fired).toEqual(["dlv_b", "dlv_a"]);
    expect(queue.released).toContainEqual({ delivery_id: "dlv_b", token: 999 });
    // Once answered, a lease on it may be handed in again.
    h.finish("dlv_b");
    expect(h.scheduler.handedOut).toBe(1);
    const b = queue.grant({ delivery_id: "dlv_b", due: Date.now() }, OWNER);
    expect(h.scheduler.schedule(heldLease(b, Date.now()))).toBe(true);
  });

  test("leases handed in due already fire together at the end of the turn, not after a timeout", async () => {
    const queue = new MemoryWork();
    const h = harness(queue);
    h.scheduler.start();
    await waitUntil("the first refill", () => queue.scans.length > 0);
    const now = Date.now();
    const leases = ["dlv_x", "dlv_y"].map((id) => queue.grant({ delivery_id: id, due: now }, OWNER));
    for (const lease of leases) expect(h.scheduler.schedule(heldLease(lease, now))).toBe(true);
    expect(h.fired).toEqual([]); // never inside the caller's own code
    // An immediate queued after the scheduler's runs after it; a timeout (about 1 ms) would not have.
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.fired).toEqual(["dlv_x", "dlv_y"]);
  });

  test("hurry moves a lease in the timer to a sooner due time; otherwise the store is re-read from it", async () => {
    const queue = new MemoryWork();
    const h = harness(queue, { rescanMs: 3_600_000, refillMs: 3_600_000, rescanGapMsMin: 10 });
    h.scheduler.start();
    await waitUntil("the start's refill", () => queue.scans.length === 1);
    const now = Date.now();
    const x = queue.grant({ delivery_id: "dlv_x", due: now + 10_000 }, OWNER);
    h.scheduler.schedule(heldLease(x, now));
    await Bun.sleep(100);
    expect(h.fired).toEqual([]);
    h.scheduler.hurry("dlv_x", Date.now());
    await waitUntil("fire", () => h.fired.length === 1);
    // Not held here: re-read from its due time (the cursor had moved past it).
    queue.add({ delivery_id: "dlv_y", due: now - 5_000 });
    h.scheduler.hurry("dlv_y", now - 5_000);
    await waitUntil("dlv_y leased and fired", () => h.fired.includes("dlv_y"), 2_000);
    expect(queue.scans.at(-1)?.after).toEqual({ due: now - 5_000, delivery_id: "" });
  });

  test("entries never handed in, even behind the read position, are found by the periodic re-read", async () => {
    const queue = new MemoryWork();
    const now = Date.now();
    queue.add({ delivery_id: "dlv_late", due: now + 50 });
    const h = harness(queue, { rescanMs: 100, refillMs: 20 });
    h.scheduler.start();
    await waitUntil("first", () => h.fired.length === 1);
    h.finish("dlv_late");
    // Written behind the cursor and never handed in (as after another replica gave it back).
    queue.add({ delivery_id: "dlv_sneaky", due: now - 1_000 });
    await waitUntil("re-read", () => h.fired.includes("dlv_sneaky"), 2_000);
  });

  test("entries left out are given back and re-read from the earliest of them when asked, not from the start", async () => {
    const queue = new MemoryWork();
    const now = Date.now();
    const ids = Array.from({ length: 10 }, (_, i) => `dlv_${i}`);
    queue.addAll(ids.map((id, i) => ({ delivery_id: id, due: now - 10_000 + i })));
    let refuse = true;
    const fired: string[] = [];
    const scheduler: DueScheduler = new DueScheduler({
      work: queue,
      owner: OWNER,
      leaseMs: 60_000,
      logger: silentLogger,
      refillMs: 20,
      rescanMs: 3_600_000,
      rescanGapMsMin: 10,
      // Like a dispatcher whose lane is full: entries 6..9 are left in the store.
      onDue: (held) => {
        const id = held.lease.delivery.id;
        fired.push(id);
        const i = Number(id.slice(4));
        if (refuse && i >= 6) scheduler.leftOut(held);
        else {
          queue.remove(id);
          scheduler.done(id);
        }
      },
    });
    schedulers.push(scheduler);
    scheduler.start();
    await waitUntil("first pass", () => fired.length === 10);
    await scheduler.settled();
    expect(queue.heldBy(OWNER)).toEqual([]);
    expect(scheduler.leasesHeld).toBe(0);
    refuse = false;
    const scansBefore = queue.scans.length;
    scheduler.rescanSoon();
    await waitUntil("left-out entries again", () => fired.length === 14);
    expect(fired.slice(10)).toEqual(["dlv_6", "dlv_7", "dlv_8", "dlv_9"]);
    const reread = queue.scans.slice(scansBefore).find((scan) => scan.returned > 0);
    expect(reread?.after).toEqual({ due: now - 10_000 + 6, delivery_id: "" });
  });

  test("stop ends timers and gives back the timer's leases: nothing fires afterwards", async () => {
    const queue = new MemoryWork();
    queue.add(
      { delivery_id: "dlv_1", due: Date.now() + 100 },
      { delivery_id: "dlv_2", due: Date.now() + 150 },
    );
    const h = harness(queue);
    h.scheduler.start();
    await waitUntil("leased", () => h.scheduler.size === 2);
    expect(queue.heldBy(OWNER).sort()).toEqual(["dlv_1", "dlv_2"]);
    h.scheduler.stop();
    await h.scheduler.settled();
    expect(queue.heldBy(OWNER)).toEqual([]);
    expect(h.scheduler.leasesHeld).toBe(0);
    await Bun.sleep(200);
    expect(h.fired).toEqual([]);
    // Leased again at once by another replica, long before the 60 s leases would have run out.
    const other = await queue.lease({ owner: "other", until: Date.now() + 1_000, limit: 10, leaseMs: 1_000 });
    expect(other.map((l) => l.delivery.id)).toEqual(["dlv_1", "dlv_2"]);
  });

  test("a lease handed in beyond the memory bound is given back", async () => {
    const queue = new MemoryWork();
    const h = harness(queue, { heldMax: 10 });
    h.scheduler.start();
    const now = Date.now();
    const taken = Array.from({ length: 12 }, (_, i) =>
      h.scheduler.schedule(
        heldLease(queue.grant({ delivery_id: `dlv_${i}`, due: now + 60_000 }, OWNER), now),
      ),
    );
    // heldMax plus a tenth for leases handed in.
    expect(taken.filter(Boolean)).toHaveLength(11);
    expect(h.scheduler.room()).toBe(0);
    await h.scheduler.settled();
    expect(queue.heldBy(OWNER)).toHaveLength(11);
  });
});
