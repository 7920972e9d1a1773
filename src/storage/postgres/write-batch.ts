// A replica's writes on the hot path, group-committed together: the publish calls and the outcomes
// of attempts queued during one event-loop turn are written by one statement (./write-statement.ts),
// one round trip and one commit for both (./group-commit.ts; calls arriving while a batch is in
// flight form the next). PostgreSQL spends about as much CPU on a commit and a statement's fixed
// work as on a dozen rows, so outcomes wait for the next publish batch and share its commit; an
// outcome that has waited OUTCOME_WAIT_MS (no publish came) goes in a batch of outcomes alone,
// which runs beside a publish batch and never delays one (the lazy lane of GroupCommit). Bench,
// one replica: 500 events/s, 0.80-0.98 commits per delivery (was 0.96-1.31); throughput, 0.036
// (was 0.054).
//
// Guarantees (beyond GroupCommit's): a publish's promise resolves only after the commit that holds
// it, and so does an outcome's; a batch that fails is replayed call by call, each call then alone
// in a statement of its own part.

import type { PublishResult, RecordResult } from "../store";
import { GroupCommit } from "./group-commit";
import type { PgContext } from "./pg-context";
import { type PublishCall, publishPart } from "./publish-part";
import { recordPart } from "./record-part";
import type { RecordInput } from "./record-statement";
import type { WriteRow } from "./write-rows";
import { writeStatement } from "./write-statement";

type WriteCall = { kind: "publish"; call: PublishCall } | { kind: "record"; input: RecordInput };
type WriteResult = PublishResult[] | RecordResult;

/** Events and deliveries of the publish calls sharing one statement, at most (a bigger call goes
 *  alone); an outcome counts as one. */
const BATCH_RECORDS_MAX = 2_000;

/**
 * How long an outcome may wait for a publish to share its commit (a publish never waits for
 * outcomes). An outcome not yet committed when the replica dies is an attempt made again
 * (at-least-once), so the wait only widens that window by a few ms; the attempt's slot is already
 * free while its outcome is written.
 */
const OUTCOME_WAIT_MS = 5;
/** Outcomes queued that make a statement worth its commit without a publish. */
const OUTCOME_BATCH_EARLY = 64;

const weightOf = (c: WriteCall) =>
  c.kind === "record" ? 1 : c.call.items.reduce((n, it) => n + 1 + it.deliveries.length, 0);

/** Two outcomes of one delivery never share a statement (the second waits for the next one). */
const keyOf = (c: WriteCall) => (c.kind === "record" ? c.input.lease.delivery_id : null);

export interface WriteBatch {
  publish(call: PublishCall): Promise<PublishResult[]>;
  record(input: RecordInput): Promise<RecordResult>;
  /** Resolves once every write queued before has settled. */
  idle(): Promise<void>;
}

export function writeBatch(ctx: PgContext): WriteBatch {
  const publishes = publishPart(ctx);
  const records = recordPart(ctx);
  const statements = {
    both: writeStatement(ctx.s, { publish: true, record: true }),
    publish: writeStatement(ctx.s, { publish: true, record: false }),
    record: writeStatement(ctx.s, { publish: false, record: true }),
  };

  async function write(calls: WriteCall[]): Promise<WriteResult[]> {
    const pub = calls.flatMap((c) => (c.kind === "publish" ? [c.call] : []));
    const rec = calls.flatMap((c) => (c.kind === "record" ? [c.input] : []));
    const p = pub.length > 0 ? publishes.prepare(pub) : null;
    const r = rec.length > 0 ? records.prepare(rec) : null;
    const text = p && r ? statements.both : p ? statements.publish : statements.record;
    const rows = await ctx.client.run<WriteRow>(text, [
      ctx.clock(),
      ...(p?.params ?? []),
      ...(r?.params ?? []),
    ]);
    const [published, recorded] = await Promise.all([p?.finish(rows) ?? [], r?.finish(rows) ?? []]);
    let nextPublish = 0;
    let nextRecord = 0;
    return calls.map((c) =>
      c.kind === "publish"
        ? (published[nextPublish++] as PublishResult[])
        : (recorded[nextRecord++] as RecordResult),
    );
  }

  const batcher = new GroupCommit<WriteCall, WriteResult>(write, keyOf, {
    weight: { of: weightOf, max: BATCH_RECORDS_MAX },
    lazy: { of: (c) => c.kind === "record", waitMs: OUTCOME_WAIT_MS, countMax: OUTCOME_BATCH_EARLY },
  });
  return {
    publish: (call) => batcher.run({ kind: "publish", call }) as Promise<PublishResult[]>,
    record: (input) => batcher.run({ kind: "record", input }) as Promise<RecordResult>,
    idle: () => batcher.idle(),
  };
}
