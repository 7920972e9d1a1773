import { describe, expect, test } from "bun:test";
import { ParkedLeases } from "./parked-leases";

const ref = (id: string) => ({ delivery_id: id, token: 1 });

describe("ParkedLeases", () => {
  test("take answers a webhook's parks still running, in the order parked, and forgets them", () => {
    const clock = { t: 1_000 };
    const parked = new ParkedLeases({ now: () => clock.t });
    parked.add("w", ref("a"), 100);
    parked.add("w", ref("b"), 5_000);
    parked.add("v", ref("c"), 5_000);
    clock.t += 200;
    expect(parked.take("w")).toEqual([ref("b")]);
    expect(parked.take("w")).toEqual([]);
    expect(parked.size).toBe(1);
  });

  test("parks that ended are dropped as new ones come; at most 50,000 are remembered", () => {
    const clock = { t: 0 };
    const parked = new ParkedLeases({ now: () => clock.t });
    for (let i = 0; i < 60_000; i++) parked.add("w", ref(`d${i}`), 1_000);
    expect(parked.size).toBe(50_000);
    clock.t = 1_000;
    parked.add("x", ref("new"), 1_000);
    expect(parked.size).toBe(1);
    expect(parked.take("x")).toEqual([ref("new")]);
  });

  test("wakes its owner when parks end, once for parks ending together, at most every gapMs", async () => {
    const wakes: number[] = [];
    const t0 = Date.now();
    const parked = new ParkedLeases({
      now: Date.now,
      onEnded: () => wakes.push(Date.now() - t0),
      gapMs: 100,
    });
    parked.add("w", ref("a"), 30);
    parked.add("w", ref("b"), 30);
    parked.add("v", ref("c"), 60);
    parked.add("w", ref("d"), 300);
    await Bun.sleep(450);
    // a and b at 30 ms; c (60 ms) waits for the gap, at 130 ms; d at 300 ms.
    expect(wakes).toHaveLength(3);
    expect(wakes[0]).toBeGreaterThanOrEqual(29);
    expect(wakes[1]).toBeGreaterThanOrEqual(128);
    expect(wakes[2]).toBeGreaterThanOrEqual(299);
    parked.add("w", ref("e"), 50);
    parked.stop();
    await Bun.sleep(100);
    expect(wakes).toHaveLength(3);
  });
});
