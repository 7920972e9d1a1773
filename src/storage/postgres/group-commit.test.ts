import { describe, expect, test } from "bun:test";
import { StoreUnavailableError } from "../store";
import { BATCH_MAX, GroupCommit } from "./group-commit";

describe("GroupCommit", () => {
  test("calls of one turn share one write, each answered with its own result", async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, string>(
      async (inputs) => {
        batches.push(inputs);
        return inputs.map((n) => `r${n}`);
      },
      (n) => String(n),
    );
    const results = await Promise.all([1, 2, 3].map((n) => group.run(n)));
    expect(results).toEqual(["r1", "r2", "r3"]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  test("two calls with one key never share a batch; batches hold at most BATCH_MAX", async () => {
    const batches: string[][] = [];
    const group = new GroupCommit<string, string>(
      async (inputs) => {
        batches.push(inputs);
        return inputs;
      },
      (s) => s.split(":")[0] ?? s,
    );
    const many = Array.from({ length: BATCH_MAX + 10 }, (_, i) => `k${i}:x`);
    await Promise.all([...many, "k0:again"].map((s) => group.run(s)));
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(BATCH_MAX);
      const keys = batch.map((s) => s.split(":")[0]);
      expect(new Set(keys).size).toBe(keys.length);
    }
    expect(batches.flat().sort()).toEqual([...many, "k0:again"].sort());
  });

  test("a failing batch is replayed call by call: only the bad call fails", async () => {
    const group = new GroupCommit<number, number>(
      async (inputs) => {
        if (inputs.includes(13)) throw new Error("bad input");
        return inputs.map((n) => n * 2);
      },
      (n) => String(n),
    );
    const settled = await Promise.allSettled([1, 13, 2].map((n) => group.run(n)));
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(settled[0]).toEqual({ status: "fulfilled", value: 2 });
  });

  test("an unreachable database fails the whole batch at once, without replays", async () => {
    let writes = 0;
    const group = new GroupCommit<number, number>(
      async () => {
        writes++;
        throw new StoreUnavailableError(new Error("down"));
      },
      (n) => String(n),
    );
    const settled = await Promise.allSettled([1, 2, 3].map((n) => group.run(n)));
    expect(settled.every((s) => s.status === "rejected")).toBe(true);
    expect(writes).toBe(1);
  });

  test("a replay stops writing once the database is unreachable: the calls left fail at once", async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, number>(
      async (inputs) => {
        batches.push(inputs);
        if (inputs.length > 1) throw new Error("bad input");
        if (inputs[0] === 2) throw new StoreUnavailableError(new Error("down"));
        return inputs;
      },
      (n) => String(n),
    );
    const settled = await Promise.allSettled([1, 2, 3, 4].map((n) => group.run(n)));
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "rejected", "rejected"]);
    expect(
      settled.slice(1).every((s) => s.status === "rejected" && s.reason instanceof StoreUnavailableError),
    ).toBe(true);
    expect(batches).toEqual([[1, 2, 3, 4], [1], [2]]);
  });

  test("idle resolves once every queued call has settled", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const group = new GroupCommit<number, number>(
      async (inputs) => {
        await gate;
        return inputs;
      },
      (n) => String(n),
    );
    let done = false;
    const call = group.run(1).then(() => {
      done = true;
    });
    const idle = group.idle();
    await Bun.sleep(5);
    expect(done).toBe(false);
    release();
    await idle;
    expect(done).toBe(true);
    await call;
  });

  test("idle waits for the calls queued before it, not for a queue that new calls keep filling", async () => {
    let more = true;
    const group: GroupCommit<number, number> = new GroupCommit<number, number>(
      async (inputs) => {
        await Bun.sleep(1);
        // Load that never pauses: each batch's round trip brings the next call.
        if (more) void group.run(inputs[0] ?? 0).catch(() => undefined);
        return inputs;
      },
      () => null,
    );
    const first = group.run(1);
    const idle = group.idle().then(() => "idle");
    const outcome = await Promise.race([idle, Bun.sleep(2_000).then(() => "still waiting")]);
    more = false;
    expect(outcome).toBe("idle");
    expect(await first).toBe(1);
    await group.idle();
  });

  describe("lazy calls (outcomes) wait for an eager one (a publish)", () => {
    /** Numbers below 100 are lazy; each batch is recorded. */
    function lazyGroup(waitMs: number, countMax: number) {
      const batches: number[][] = [];
      const group = new GroupCommit<number, number>(
        async (inputs) => {
          batches.push(inputs);
          return inputs;
        },
        () => null,
        { lazy: { of: (n) => n < 100, waitMs, countMax } },
      );
      return { group, batches };
    }
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

    test("a lazy call is not written at its turn's end; the next eager call takes it along", async () => {
      const { group, batches } = lazyGroup(60_000, 10);
      const lazy = group.run(1);
      await turn();
      await turn();
      expect(batches).toEqual([]);
      await Promise.all([lazy, group.run(100)]);
      expect(batches).toEqual([[1, 100]]);
    });

    test("an eager call alone is written at once", async () => {
      const { group, batches } = lazyGroup(60_000, 10);
      await group.run(100);
      expect(batches).toEqual([[100]]);
    });

    test("lazy calls alone are written once countMax are queued, or after waitMs", async () => {
      const many = lazyGroup(60_000, 3);
      await Promise.all([1, 2, 3].map((n) => many.group.run(n)));
      expect(many.batches).toEqual([[1, 2, 3]]);

      const few = lazyGroup(5, 3);
      await Promise.all([1, 2].map((n) => few.group.run(n)));
      expect(few.batches).toEqual([[1, 2]]);
    });

    test("a batch of lazy calls alone runs beside an eager batch, never before it; one key never runs twice at once", async () => {
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const batches: string[][] = [];
      const group = new GroupCommit<string, string>(
        async (inputs) => {
          batches.push(inputs);
          if (inputs.includes("k:lazy")) await gate;
          return inputs;
        },
        (input) => input.split(":")[0] ?? null,
        { lazy: { of: (input) => input.endsWith(":lazy"), waitMs: 1, countMax: 10 } },
      );
      const held = group.run("k:lazy");
      await Bun.sleep(10);
      expect(batches).toEqual([["k:lazy"]]);
      // The lazy batch is still in flight: an eager call does not wait for it, and a second call
      // with key k waits until it is done.
      const again = group.run("k:lazy");
      await group.run("e:now");
      expect(batches).toEqual([["k:lazy"], ["e:now"]]);
      open();
      await Promise.all([held, again]);
      expect(batches).toEqual([["k:lazy"], ["e:now"], ["k:lazy"]]);
    });
  });
});
