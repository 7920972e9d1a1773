// The fair limiter with a pacer (rate-limit.ts): held lanes hold no slot, wake on their token,
// probe an unknown limit with one task, and keep to the pacer's lane cap.

import { describe, expect, test } from "bun:test";
import { FairLimiter, type FairLimits } from "./fair-limiter";
import { RateLimits } from "./rate-limit";

const LIMITS: FairLimits = {
  global: 1,
  perAccount: 1,
  perWebhook: 1,
  queuePerWebhook: 100,
  queuePerAccount: 1_000,
  queueTotal: 1_000,
};

/** Tasks named "account/webhook/n" that finish at once; start times are recorded. */
function harness(limits: Partial<FairLimits> = {}, laneHoldMs = 10_000) {
  const starts: { item: string; at: number }[] = [];
  const rates = new RateLimits({ now: Date.now, laneHoldMs });
  const limiter = new FairLimiter<string>({
    ...LIMITS,
    ...limits,
    pacer: rates,
    run: async (item) => {
      starts.push({ item, at: Date.now() });
      // The attempt reads its webhook, and so its limit, as attempt.ts prepare does.
      const webhook = item.split("/")[1] as string;
      await Bun.sleep(0);
      rates.learn(webhook, webhook.startsWith("lim") ? Number(webhook.slice(3)) : null);
    },
  });
  rates.listen((webhook) => limiter.wake(webhook));
  const offer = (item: string) => {
    const [account, webhook] = item.split("/") as [string, string];
    return limiter.offer(account, webhook, item);
  };
  return { limiter, starts, offer, rates };
}

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out");
    await Bun.sleep(5);
  }
}

describe("FairLimiter with a pacer", () => {
  test("a limited webhook starts no faster than its limit, spaced by its token interval", async () => {
    const { starts, offer } = harness({ global: 4, perAccount: 4, perWebhook: 4 });
    for (let i = 0; i < 6; i++) offer(`a/lim20/${i}`);
    await waitFor(() => starts.length === 6);
    expect(starts.map((s) => s.item)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `a/lim20/${i}`));
    const gaps = starts.slice(1).map((s, i) => s.at - (starts[i] as { at: number }).at);
    // 50 ms, less up to 2 ms when the start before was late by that much (made up, not lost).
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(47);
  });

  test("a webhook waiting for its token holds no slot: another account's and its own account's work runs", async () => {
    const { starts, offer, limiter } = harness({ global: 1, perAccount: 1, perWebhook: 1 });
    offer("a/lim1/0");
    await waitFor(() => limiter.active === 0);
    // lim1 now waits about a second for its next token; the single slot stays free.
    expect(offer("a/lim1/1")).toBe("queued");
    expect(offer("a/free/0")).toBe("started");
    // The one slot is a/free/0's now; b's task follows it, not lim1's token.
    expect(offer("b/free2/0")).toBe("queued");
    await waitFor(() => starts.length === 3);
    expect(starts.map((s) => s.item)).toEqual(["a/lim1/0", "a/free/0", "b/free2/0"]);
    expect(limiter.waiting).toBe(1);
    await waitFor(() => starts.length === 4, 2_000);
    expect(starts[3]?.item).toBe("a/lim1/1");
    expect((starts[3]?.at ?? 0) - (starts[0]?.at ?? 0)).toBeGreaterThanOrEqual(997);
  });

  test("an unknown webhook's first task starts alone; an unlimited one then runs at its caps", async () => {
    const { starts, offer, limiter } = harness({ global: 8, perAccount: 8, perWebhook: 8 });
    for (let i = 0; i < 5; i++) offer(`a/free/${i}`);
    expect(starts.map((s) => s.item)).toEqual(["a/free/0"]);
    expect(limiter.waiting).toBe(4);
    await waitFor(() => starts.length === 5);
  });

  test("a limited webhook's lane holds what starts within laneHoldMs; beyond, offers are refused", async () => {
    const { offer, limiter } = harness({ global: 4, perAccount: 4, perWebhook: 4 }, 3_000);
    offer("a/lim2/0");
    await waitFor(() => limiter.active === 0);
    const answers = Array.from({ length: 10 }, (_, i) => offer(`a/lim2/${i + 1}`));
    expect(answers.filter((a) => a === "queued")).toHaveLength(6);
    expect(answers.slice(6)).toEqual(["refused", "refused", "refused", "refused"]);
    expect(limiter.full("a", "lim2")).toBe(true);
    expect(limiter.full("a", "other")).toBe(false);
  });

  test("raising the limit wakes the waiting lane at once; drain clears its timer", async () => {
    const { starts, offer, limiter, rates } = harness({ global: 2, perAccount: 2, perWebhook: 2 });
    offer("a/lim1/0");
    await waitFor(() => limiter.active === 0);
    offer("a/lim1/1");
    await Bun.sleep(20);
    expect(starts).toHaveLength(1);
    rates.learn("lim1", 1_000);
    await waitFor(() => starts.length === 2, 500);
    offer("a/lim1/2");
    offer("a/lim1/3");
    rates.learn("lim1", 1);
    await Bun.sleep(50);
    const before = starts.length;
    limiter.pause();
    expect(limiter.drain().length).toBeGreaterThan(0);
    await Bun.sleep(50);
    expect(starts.length).toBe(before);
  });
});
