import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { FairLimiter, type FairLimits } from "./fair-limiter";

const LIMITS: FairLimits = {
  global: 4,
  perAccount: 4,
  perWebhook: 4,
  queuePerWebhook: 100,
  queuePerAccount: 100,
  queueTotal: 1_000,
};

/** Tasks named "account/webhook/n" that finish only when the test says so. */
function harness(limits: Partial<FairLimits> = {}) {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const freed: string[] = [];
  const limiter = new FairLimiter<string>({
    ...LIMITS,
    ...limits,
    run: (item) =>
      new Promise<void>((resolve) => {
        started.push(item);
        finishers.set(item, resolve);
      }),
    onSlotFree: (account, webhook) => freed.push(`${account}/${webhook}`),
  });
  const offer = (item: string) => {
    const [account, webhook] = item.split("/") as [string, string];
    return limiter.offer(account, webhook, item);
  };
  const finish = async (item: string) => {
    const done = finishers.get(item);
    if (!done) throw new Error(`${item} is not running`);
    finishers.delete(item);
    done();
    await Bun.sleep(0);
  };
  return { limiter, started, offer, finish, freed, running: () => [...finishers.keys()] };
}

describe("FairLimiter caps", () => {
  test("caps one webhook without blocking another", () => {
    const { limiter, started, offer } = harness({ perWebhook: 1 });
    expect(offer("a/slow/1")).toBe("started");
    expect(offer("a/slow/2")).toBe("queued");
    expect(offer("a/fast/1")).toBe("started");
    expect(started).toEqual(["a/slow/1", "a/fast/1"]);
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(1);
  });

  test("caps one account across its webhooks without blocking another account", () => {
    const { limiter, started, offer } = harness({ global: 8, perAccount: 2, perWebhook: 2 });
    for (let w = 0; w < 4; w++) offer(`bad/w${w}/1`);
    expect(limiter.activeFor("bad")).toBe(2);
    expect(limiter.waiting).toBe(2);
    expect(offer("good/w/1")).toBe("started");
    expect(started).toEqual(["bad/w0/1", "bad/w1/1", "good/w/1"]);
  });

  test("refuses beyond a lane's bound and beyond an account's bound, and counts stay exact", async () => {
    const { limiter, offer, finish } = harness({
      global: 10,
      perAccount: 1,
      perWebhook: 1,
      queuePerWebhook: 2,
      queuePerAccount: 3,
      queueTotal: 100,
    });
    expect(offer("a/x/1")).toBe("started");
    expect(offer("a/x/2")).toBe("queued");
    expect(offer("a/x/3")).toBe("queued");
    expect(limiter.full("a", "x")).toBe(true);
    expect(offer("a/x/4")).toBe("refused");
    expect(offer("a/y/1")).toBe("queued");
    expect(limiter.full("a", "y")).toBe(true);
    expect(offer("a/y/2")).toBe("refused");
    expect(offer("b/z/1")).toBe("started");
    expect(limiter.waiting).toBe(3);
    expect(limiter.halfEmpty("a", "x")).toBe(false);
    await finish("a/x/1");
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(2);
    expect(offer("a/y/3")).toBe("queued");
  });

  test("rejects limits that contradict each other", () => {
    const run = async () => {};
    expect(() => new FairLimiter({ ...LIMITS, perAccount: 8, run })).toThrow(RangeError);
    expect(() => new FairLimiter({ ...LIMITS, perWebhook: 2, perAccount: 1, run })).toThrow(RangeError);
  });
});

describe("FairLimiter turns", () => {
  test("freed slots go round-robin over accounts, whatever the length of their queues", async () => {
    const { started, offer, finish } = harness({ global: 2, perAccount: 2, perWebhook: 2 });
    for (let i = 1; i <= 50; i++) offer(`a/wa/${i}`);
    offer("b/wb/1");
    offer("c/wc/1");
    await finish("a/wa/1");
    await finish("a/wa/2");
    await finish("b/wb/1");
    // b and c waited behind 48 of a's: each gets the next slot in turn, then a again.
    expect(started).toEqual(["a/wa/1", "a/wa/2", "b/wb/1", "c/wc/1", "a/wa/3"]);
  });

  test("within an account, freed slots go round-robin over its webhooks", async () => {
    const { started, offer, finish } = harness({ global: 1, perAccount: 1, perWebhook: 1 });
    for (const item of ["a/x/1", "a/x/2", "a/x/3", "a/y/1", "a/y/2", "a/z/1"]) offer(item);
    for (let i = 0; i < 5; i++) await finish(started.at(-1) as string);
    expect(started).toEqual(["a/x/1", "a/y/1", "a/z/1", "a/x/2", "a/y/2", "a/x/3"]);
  });

  test("an account at its cap is passed over until one of its own slots frees", async () => {
    const { started, offer, finish } = harness({ global: 3, perAccount: 2, perWebhook: 2 });
    offer("a/x/1");
    offer("a/x/2");
    offer("a/x/3");
    offer("b/y/1");
    offer("b/y/2");
    expect(started).toEqual(["a/x/1", "a/x/2", "b/y/1"]);
    await finish("b/y/1");
    expect(started.at(-1)).toBe("b/y/2");
    await finish("a/x/1");
    expect(started.at(-1)).toBe("a/x/3");
  });

  test("pause stops starting, drain hands back what was queued", async () => {
    const { limiter, started, offer, finish } = harness({ global: 1, perAccount: 1, perWebhook: 1 });
    offer("a/x/1");
    offer("b/y/2");
    offer("a/x/3");
    limiter.pause();
    await finish("a/x/1");
    expect(started).toEqual(["a/x/1"]);
    expect(limiter.drain().sort()).toEqual(["a/x/3", "b/y/2"]);
    expect(limiter.waiting).toBe(0);
    expect(limiter.active).toBe(0);
  });

  test("a task that throws synchronously still frees its slot", async () => {
    const limiter = new FairLimiter<string>({
      ...LIMITS,
      global: 1,
      perAccount: 1,
      perWebhook: 1,
      run: () => {
        throw new Error("boom");
      },
    });
    limiter.offer("a", "x", "1");
    await Bun.sleep(0);
    expect(limiter.active).toBe(0);
    expect(limiter.offer("a", "x", "2")).toBe("started");
  });
});

/** Attempts running now per account and per account/webhook. */
function countRunning(running: string[]): { byAccount: Map<string, number>; byWebhook: Map<string, number> } {
  const byAccount = new Map<string, number>();
  const byWebhook = new Map<string, number>();
  for (const item of running) {
    const [a, w] = item.split("/") as [string, string];
    byAccount.set(a, (byAccount.get(a) ?? 0) + 1);
    byWebhook.set(`${a}/${w}`, (byWebhook.get(`${a}/${w}`) ?? 0) + 1);
  }
  return { byAccount, byWebhook };
}

function checkInvariants(
  limiter: FairLimiter<string>,
  limits: FairLimits,
  running: string[],
  started: string[],
  accepted: Set<string>,
): void {
  const { byAccount, byWebhook } = countRunning(running);
  expect(limiter.active).toBe(running.length);
  expect(limiter.active).toBeLessThanOrEqual(limits.global);
  for (const count of byAccount.values()) expect(count).toBeLessThanOrEqual(limits.perAccount);
  for (const count of byWebhook.values()) expect(count).toBeLessThanOrEqual(limits.perWebhook);
  // Work conserving: with waiting work and a free global slot, every waiting task is blocked
  // by its own account or webhook cap.
  if (limiter.waiting > 0 && limiter.active < limits.global) {
    for (const item of accepted) {
      if (started.includes(item)) continue;
      const [a, w] = item.split("/") as [string, string];
      const blocked =
        (byAccount.get(a) ?? 0) >= limits.perAccount ||
        (byWebhook.get(`${a}/${w}`) ?? 0) >= limits.perWebhook;
      expect(blocked).toBe(true);
    }
  }
}

describe("FairLimiter against random work", () => {
  test("never exceeds a cap, never idles a slot that work could use, and runs every task once", async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("offer" as const), account: fc.nat(3), webhook: fc.nat(2) }),
      fc.record({ kind: fc.constant("finish" as const), pick: fc.nat(50) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 120 }), async (ops) => {
        const limits = {
          global: 5,
          perAccount: 3,
          perWebhook: 2,
          queuePerWebhook: 4,
          queuePerAccount: 6,
          queueTotal: 100,
        };
        const { limiter, started, offer, finish, running } = harness(limits);
        const accepted = new Set<string>();
        let n = 0;
        const check = () => checkInvariants(limiter, limits, running(), started, accepted);
        const offerOne = (account: number, webhook: number) => {
          const item = `a${account}/w${account}-${webhook}/${n++}`;
          if (offer(item) !== "refused") accepted.add(item);
        };
        const finishOne = async (pick: number) => {
          const list = running();
          if (list.length > 0) await finish(list[pick % list.length] as string);
        };
        for (const step of ops) {
          if (step.kind === "offer") offerOne(step.account, step.webhook);
          else await finishOne(step.pick);
          check();
        }
        while (running().length > 0) {
          await finish(running()[0] as string);
          check();
        }
        expect(new Set(started)).toEqual(accepted);
        expect(started).toHaveLength(accepted.size);
        expect(limiter.waiting).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
