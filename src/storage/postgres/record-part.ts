// The record part of a write batch (./write-batch.ts; statement: ./record-statement.ts): fenced
// outcomes of attempts. Only the deliveries an outcome moved come back from the statement; the
// others are looked up after the commit to tell a fenced outcome from a missing delivery (none on
// the hot path).

import type { RecordResult } from "../store";
import type { PgContext } from "./pg-context";
import { toDb } from "./pg-text";
import { presentStatement, type RecordInput, recordParams } from "./record-statement";
import { deliveryOf } from "./rows";
import type { WritePart } from "./write-part";
import type { WriteRow } from "./write-rows";

function resultOf(row: WriteRow | undefined, present: boolean): RecordResult {
  if (!row) return { kind: present ? "fenced" : "missing" };
  const delivery = deliveryOf(row);
  if (row.lease_owner === null || delivery.status !== "pending") return { kind: "recorded", delivery };
  return {
    kind: "recorded",
    delivery,
    lease: {
      delivery,
      token: Number(row.lease_seq),
      expiresInMs: Number(row.lease_expires_at) - Number(row.now),
    },
  };
}

export function recordPart(ctx: PgContext): WritePart<RecordInput, RecordResult> {
  const present = presentStatement(ctx.s);
  return {
    prepare(inputs) {
      return {
        params: recordParams(inputs),
        async finish(rows) {
          const moved = new Map<string, WriteRow>();
          for (const row of rows) if (row.kind === "r") moved.set(row.id, row);
          const unmoved = inputs.map((i) => toDb(i.lease.delivery_id)).filter((id) => !moved.has(id));
          const found =
            unmoved.length === 0
              ? new Set<string>()
              : new Set((await ctx.client.run<{ id: string }>(present, [unmoved])).map((r) => r.id));
          return inputs.map((input) => {
            const key = toDb(input.lease.delivery_id);
            return resultOf(moved.get(key), found.has(key));
          });
        },
      };
    },
  };
}
