import { describe, expect, test } from "bun:test";
import { CommitPacing, type CommitPacingOptions } from "./commit-pacing";

/** A pacing whose commits are counted; `turn()` lets the current event-loop turn end. */
function paced(options: CommitPacingOptions) {
  let commits = 0;
  let onCommit: (() => void) | undefined;
  const pacing: CommitPacing = new CommitPacing(() => {
    pacing.starting();
    commits++;
    onCommit?.();
  }, options);
  const nextCommit = () => new Promise<void>((resolve) => (onCommit = resolve));
  return { pacing, commits: () => commits, nextCommit };
}
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Generous: the bound under test is tens of ms; a loaded CI machine may stall for a while. */
const WITHIN_MS = 2_000;
const within = (p: Promise<void>) =>
  Promise.race([p, Bun.sleep(WITHIN_MS).then(() => Promise.reject(new Error("no commit in time")))]);

describe("CommitPacing", () => {
  test("an urgent job commits at the end of its turn when the last commit ended long enough ago", async () => {
    const { pacing, commits } = paced({ commitGapMs: 60_000 });
    pacing.queued(1, false);
    pacing.queued(2, false);
    expect(commits()).toBe(0);
    await turn();
    expect(commits()).toBe(1);
  });

  test("an urgent job right after a commit starts waits for the gap, and no longer", async () => {
    const { pacing, commits, nextCommit } = paced({ commitGapMs: 40 });
    pacing.queued(1, false);
    await turn();
    expect(commits()).toBe(1);
    const started = performance.now();
    pacing.queued(1, false);
    await turn();
    expect(commits()).toBe(1); // still waiting: the gap has not passed
    await within(nextCommit());
    expect(commits()).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(30);
  });

  test("a deferrable job waits at most deferMsMax for a commit", async () => {
    const { pacing, commits, nextCommit } = paced({ commitGapMs: 0, deferMsMax: 30 });
    pacing.queued(1, true);
    await turn();
    expect(commits()).toBe(0);
    await within(nextCommit());
    expect(commits()).toBe(1);
  });

  test("a deferrable job rides along with the commit an urgent job starts", async () => {
    const { pacing, commits } = paced({ commitGapMs: 0, deferMsMax: 60_000 });
    pacing.queued(1, true);
    pacing.queued(2, false);
    await turn();
    expect(commits()).toBe(1);
  });

  test("batchMax jobs commit at the end of the turn whatever the gap", async () => {
    const { pacing, commits } = paced({ commitGapMs: 60_000, deferMsMax: 60_000, batchMax: 3 });
    pacing.queued(1, false);
    await turn();
    expect(commits()).toBe(1);
    pacing.queued(1, true);
    pacing.queued(2, false);
    await turn();
    expect(commits()).toBe(1); // within the gap, batch not full
    pacing.queued(3, true);
    await turn();
    expect(commits()).toBe(2);
  });

  test("cancel forgets the commit asked for", async () => {
    const { pacing, commits } = paced({ commitGapMs: 0 });
    pacing.queued(1, false);
    pacing.cancel();
    await Bun.sleep(5);
    expect(commits()).toBe(0);
  });
});
