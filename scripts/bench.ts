// `bun run bench`: measures the server end to end on this machine and prints one JSON line.
// See the README (Benchmarks) for what each mode measures and how to read the figures; `--help` for flags.
//
// Everything runs on 127.0.0.1: the server under test (compiled binary by default; with --replicas N,
// N of them), with --postgres an embedded PostgreSQL cluster they share, a separate receiver process that
// verifies every signature, and, in throughput mode, a raw-limit sender. All children and temporary data
// directories are removed on exit, failure or interrupt (an interrupted run's PostgreSQL gets a fast
// shutdown; its directory is removed by the next run).

import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { parseBenchArgs, USAGE } from "./bench-lib/args";
import { runBacklog } from "./bench-lib/backlog-run";
import { startBenchStore } from "./bench-lib/bench-store";
import { cleanUpOnExit, keepTemp } from "./bench-lib/children";
import { type RunContext, runDeliveries } from "./bench-lib/delivery-run";
import { runIdle } from "./bench-lib/idle-run";
import { measureRawLimit, type RawLimit } from "./bench-lib/raw-limit";
import { startReceiver } from "./bench-lib/receiver-process";
import { serverCommand } from "./bench-lib/server-command";

async function main(): Promise<number> {
  const parsed = parseBenchArgs(process.argv.slice(2));
  if (parsed.kind === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`bench: ${parsed.message}\nRun with --help to see every flag.\n`);
    return 2;
  }
  const options = parsed.options;
  cleanUpOnExit();
  keepTemp(options.keepData);
  const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
  const root = resolve(import.meta.dir, "..");
  const machine = {
    cpus: cpus().length,
    load_1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    bun: Bun.version,
  };

  const server = await serverCommand(root, options.server, progress);
  const store = await startBenchStore(
    {
      postgres: options.postgres,
      statements: options.postgresStatements,
      settings: options.postgresSettings,
    },
    progress,
  );
  const receiver = await startReceiver();
  const ctx: RunContext = { options, command: server.command, receiver, store, progress };
  const mode = options.mode === "throughput" && options.fanout > 1 ? "fanout" : options.mode;
  const replicas = options.replicas > 1 ? ` x ${options.replicas}` : "";
  progress(`mode ${mode}, server ${server.label}${replicas} on ${store.kind}, receiver ${receiver.baseUrl}`);
  try {
    let raw: RawLimit | null = null;
    let figures: Record<string, unknown>;
    switch (options.mode) {
      case "throughput":
        if (options.raw) {
          progress(
            `raw limit: signed POSTs for ${options.rawSeconds} s at concurrency ${options.rawConcurrency}`,
          );
          raw = await measureRawLimit(receiver, {
            concurrency: options.rawConcurrency,
            seconds: options.rawSeconds,
          });
          progress(`raw limit: ${raw.posts_per_s} posts/s`);
        }
        figures = await runDeliveries(ctx, raw);
        break;
      case "rate":
        figures = await runDeliveries(ctx, null);
        break;
      case "backlog":
        figures = await runBacklog(ctx);
        break;
      case "idle":
        figures = await runIdle(ctx);
        break;
    }
    const line = {
      bench: mode,
      server: server.label,
      ...(options.controls ? { controls: true } : {}),
      // A run with settings of its own is not comparable with one on PostgreSQL's defaults: say so.
      ...(Object.keys(options.postgresSettings).length > 0
        ? { postgres_settings: options.postgresSettings }
        : {}),
      ...figures,
      ...(raw
        ? { raw: { posts: raw.posts, ms: raw.ms, errors: raw.errors, concurrency: options.rawConcurrency } }
        : {}),
      machine,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return 0;
  } finally {
    await receiver.stop();
    await store.stop();
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(`bench: failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
process.exit();
