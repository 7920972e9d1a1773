// The raw-limit phase: how many signed POSTs per second one Bun process with no storage can send to
// the same receiver the server will deliver to. The sender runs as its own process (raw-sender.ts)
// so that, like the server, it has a whole event loop to itself, and the driver's own bookkeeping
// cannot slow it down.

import { join } from "node:path";
import { track } from "./children";
import type { Receiver } from "./receiver-process";
import { newSecret } from "./signing";

export interface RawLimit {
  posts: number;
  ms: number;
  posts_per_s: number;
  errors: number;
  first_error: string | null;
}

const SCRIPT = join(import.meta.dir, "raw-sender.ts");

export async function measureRawLimit(
  receiver: Receiver,
  opts: { concurrency: number; seconds: number },
): Promise<RawLimit> {
  const secret = newSecret();
  await receiver.setup([{ token: "raw", secret }], 0);
  const proc = track(
    Bun.spawn(
      [
        process.execPath,
        SCRIPT,
        "--url",
        `${receiver.baseUrl}/hook/raw`,
        "--secret",
        secret,
        "--concurrency",
        String(opts.concurrency),
        "--warmup-ms",
        "1000",
        "--duration-ms",
        String(opts.seconds * 1000),
      ],
      { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    ),
  );
  // Bounded: warm-up, the measured window, and time for the last attempts (10 s timeout) to end.
  const timer = setTimeout(() => proc.kill("SIGKILL"), opts.seconds * 1000 + 30_000);
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`raw sender exited with ${code}: ${err.trim()}`);
  const result = JSON.parse(out.trim()) as RawLimit;
  const stats = await receiver.stats();
  // Every counted post must have passed the receiver's signature check.
  if (stats.bad_signature > 0 || stats.unindexed < result.posts) {
    throw new Error(
      `raw phase: receiver verified ${stats.unindexed} of ${result.posts} posts (${stats.bad_signature} bad)`,
    );
  }
  return result;
}
