import { describe, expect, test } from "bun:test";
import { ParkedLeases } from "./parked-leases";

const ref = (id: string) => ({ delivery_id: id, token: 1 });

describe("ParkedLeases", () => {
  test("take answers a webhook's parks still running, in the order parked, and forgets them", () => {
    const clock = { t: 1_000 };
    const parked = new ParkedLeases(() => clock.t);
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
    const parked = new ParkedLeases(() => clock.t);
    for (let i = 0; i < 60_000; i++) parked.add("w", ref(`d${i}`), 1_000);
    expect(parked.size).toBe(50_000);
    clock.t = 1_000;
    parked.add("x", ref("new"), 1_000);
    expect(parked.size).toBe(1);
    expect(parked.take("x")).toEqual([ref("new")]);
  });
});
