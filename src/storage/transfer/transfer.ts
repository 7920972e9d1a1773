// Copies a whole store, kind by kind (RECORD_KINDS order), from a raw export to a raw import in
// chunks, each inserted by one statement while the next is read, so memory holds two chunks
// whatever the store's size (at most CHUNK_RECORDS_DEFAULT records or about
// CHUNK_CHARS_DEFAULT characters of text, but always at least one record). Records already in the
// target are skipped, never changed: running the copy again resumes an interrupted one, and a run
// after a complete one copies nothing.
//
// A complete copy ends by comparing, per kind, the records the source holds with those the target
// holds, and the meta values (a target that already had its own admin key hash keeps it, which
// would lock out the source's admin key): every difference is reported as a problem.

import type { LmdbExport } from "./lmdb-export";
import type { PgImport } from "./pg-import";
import { type KindCounts, RECORD_KINDS, type RecordKind } from "./record-kinds";

export const CHUNK_RECORDS_DEFAULT = 1_000;
export const CHUNK_CHARS_DEFAULT = 8 * 1024 * 1024;

export interface KindResult {
  kind: RecordKind;
  /** Records of this kind in the source. */
  source: number;
  /** Inserted by this run. */
  copied: number;
  /** Already in the target, left as they were. */
  skipped: number;
  /** Records of this kind in the target at the end (undefined when the run stopped early). */
  target?: number;
}

export interface TransferResult {
  kinds: KindResult[];
  /** False when the run stopped early (stopAfterChunks): no comparison was made. */
  complete: boolean;
  /** Differences between source and target found by the comparison; empty when they agree. */
  problems: string[];
  elapsedMs: number;
}

export interface TransferOptions {
  source: LmdbExport;
  target: PgImport;
  chunkRecords?: number;
  chunkChars?: number;
  /** Stops after inserting this many chunks in all, as an interrupted run would (tests). */
  stopAfterChunks?: number;
  /** Called after every chunk with the kind's totals so far. */
  onChunk?: (progress: KindResult) => void;
  now?: () => number;
}

interface Run {
  opts: TransferOptions;
  chunkRecords: number;
  chunkChars: number;
  chunksLeft: number;
}

/**
 * Copies every record of `kind`; false when the run's chunk budget ran out first. One chunk is
 * inserted while the next is read (two in memory at most), so reading and the database's work overlap.
 */
async function copyKind(run: Run, result: KindResult): Promise<boolean> {
  const { source, target } = run.opts;
  let rows: unknown[][] = [];
  let chars = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const insert = async (chunk: unknown[][]) => {
    const inserted = await target.insert(result.kind, chunk);
    result.copied += inserted;
    result.skipped += chunk.length - inserted;
    run.opts.onChunk?.({ ...result });
  };
  // Starts inserting the rows read so far once the chunk before them is in; false when the budget is spent.
  const flush = async (): Promise<boolean> => {
    await inFlight;
    if (run.chunksLeft <= 0) return false;
    run.chunksLeft--;
    inFlight = insert(rows);
    // Awaited by the next flush; this only keeps a failure from counting as unhandled meanwhile.
    inFlight.catch(() => {});
    rows = [];
    chars = 0;
    return true;
  };
  for await (const record of source.records(result.kind)) {
    const row = target.row(result.kind, record);
    rows.push(row.row);
    chars += row.chars;
    if ((rows.length >= run.chunkRecords || chars >= run.chunkChars) && !(await flush())) return false;
  }
  if (rows.length > 0 && !(await flush())) return false;
  await inFlight;
  return run.chunksLeft > 0;
}

/** The kinds whose counts differ. */
function countProblems(source: KindCounts, target: KindCounts): string[] {
  return RECORD_KINDS.filter((kind) => source[kind] !== target[kind]).map(
    (kind) => `${kind}: ${source[kind]} in the source, ${target[kind]} in the target`,
  );
}

/** The source's meta entries that the target holds with another value, or not at all. */
async function metaProblems(source: LmdbExport, target: PgImport): Promise<string[]> {
  const problems: string[] = [];
  const stored = await target.meta();
  for await (const { key, value } of source.records("meta")) {
    // Values are not shown: meta holds the admin key's hash.
    if (stored.get(key) !== value) problems.push(`meta: "${key}" holds another value in the target`);
  }
  return problems;
}

export async function transferStore(opts: TransferOptions): Promise<TransferResult> {
  const now = opts.now ?? performance.now.bind(performance);
  const started = now();
  const run: Run = {
    opts,
    chunkRecords: Math.max(1, opts.chunkRecords ?? CHUNK_RECORDS_DEFAULT),
    chunkChars: Math.max(1, opts.chunkChars ?? CHUNK_CHARS_DEFAULT),
    chunksLeft: opts.stopAfterChunks ?? Number.POSITIVE_INFINITY,
  };
  const counts = opts.source.counts();
  const kinds: KindResult[] = RECORD_KINDS.map((kind) => ({
    kind,
    source: counts[kind],
    copied: 0,
    skipped: 0,
  }));
  for (const result of kinds) {
    if (!(await copyKind(run, result))) {
      return { kinds, complete: false, problems: [], elapsedMs: now() - started };
    }
  }
  const stored = await opts.target.counts();
  for (const result of kinds) result.target = stored[result.kind];
  const problems = [...countProblems(counts, stored), ...(await metaProblems(opts.source, opts.target))];
  return { kinds, complete: true, problems, elapsedMs: now() - started };
}
