// Idle mode: a server on a fresh data directory, left alone for a few seconds, then its memory.

import { tempDir } from "./children";
import type { RunContext } from "./delivery-run";
import { mb, readMemory } from "./proc-stats";
import { health } from "./server-api";
import { startServer } from "./server-process";
import { sleep } from "./stats";
import { idleTargets } from "./targets";

export async function runIdle(ctx: RunContext): Promise<Record<string, unknown>> {
  const { options: o } = ctx;
  const server = await startServer({
    command: ctx.command,
    dataDir: tempDir("idle"),
    env: { INBOX_LOG_LEVEL: o.logLevel, ...o.serverEnv, ...ctx.store.env(1) },
    readyTimeoutMs: 60_000,
    expectKeys: true,
  });
  try {
    ctx.progress(`server ready in ${Math.round(server.readyMs)} ms; idling ${o.idleSeconds} s`);
    await sleep(o.idleSeconds * 1000);
    const h = await health(server.baseUrl);
    const memory = readMemory(server.pid);
    if (!memory) throw new Error("cannot read the server's memory from /proc");
    const figures = {
      idle_s: o.idleSeconds,
      rss_mb: mb(memory.rss),
      peak_rss_mb: mb(memory.hwm),
      rss_anon_mb: mb(memory.anon),
      rss_file_mb: mb(memory.file),
      ready_ms: Math.round(server.readyMs),
      server_version: h.version,
    };
    return { ...figures, targets: idleTargets(figures) };
  } finally {
    await server.stop(30_000);
  }
}
