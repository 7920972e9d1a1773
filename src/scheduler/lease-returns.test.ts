import { describe, expect, test } from "bun:test";
import type { Lease, LeaseRef } from "../storage/store";
import { LeaseReturns } from "./lease-returns";

function lease(i: number): Lease {
  return {
    delivery: {
      id: `dlv_${i}`,
      account_id: "acct_1",
      event_id: "evt_1",
      event_type: "message.read",
      webhook_id: "wh_1",
      status: "pending",
      attempts: 0,
      next_attempt_at: 0,
      created_at: 0,
      updated_at: 0,
      last_attempt_at: null,
      last_status_code: null,
      last_error: null,
    },
    token: 100 + i,
    expiresInMs: 1_000,
  };
}

function recorder(fail = false) {
  const calls: { owner: string; refs: LeaseRef[] }[] = [];
  const warnings: Record<string, unknown>[] = [];
  const logger = {
    debug() {},
    info() {},
    warn: (_msg: string, fields?: Record<string, unknown>) => void warnings.push(fields ?? {}),
    error() {},
  };
  const work = {
    release: (owner: string, refs: readonly LeaseRef[]) => {
      calls.push({ owner, refs: [...refs] });
      return fail ? Promise.reject(new Error("database unreachable")) : Promise.resolve();
    },
  };
  return { calls, warnings, returns: new LeaseReturns({ work, owner: "r1", logger }) };
}

describe("LeaseReturns", () => {
  test("what is given back in one turn goes in release calls of at most 1,000 refs, each once", async () => {
    const { calls, returns } = recorder();
    returns.give(Array.from({ length: 1_500 }, (_, i) => lease(i)));
    returns.give(Array.from({ length: 1_000 }, (_, i) => lease(1_500 + i)));
    expect(calls).toHaveLength(0); // not in the caller's turn
    await returns.settled();
    expect(calls.map((c) => c.refs.length)).toEqual([1_000, 1_000, 500]);
    expect(calls.every((c) => c.owner === "r1")).toBe(true);
    const ids = calls.flatMap((c) => c.refs.map((r) => r.delivery_id));
    expect(new Set(ids).size).toBe(2_500);
    expect(calls[0]?.refs[7]).toEqual({ delivery_id: "dlv_7", token: 107 });
    await returns.settled();
    expect(calls).toHaveLength(3);
  });

  test("a release that fails is logged and settles: the leases expire by themselves", async () => {
    const { calls, warnings, returns } = recorder(true);
    returns.give([lease(1), lease(2)]);
    await returns.settled();
    expect(calls).toHaveLength(1);
    expect(warnings).toEqual([{ leases: 2, error: "database unreachable" }]);
  });

  test("nothing given back, nothing sent", async () => {
    const { calls, returns } = recorder();
    returns.give([]);
    await Bun.sleep(5);
    await returns.settled();
    expect(calls).toHaveLength(0);
  });
});
