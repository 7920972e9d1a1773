// N server processes on one store (--replicas N, PostgreSQL only), each on its own port and data
// directory. The first starts alone on the empty database and prints the keys; the set-up (webhooks) runs
// through it; the others start after that, so a fresh replica reads the webhooks from the database rather
// than waiting for a cache to notice them.

import type { BenchStore } from "./bench-store";
import { tempDir } from "./children";
import { type ServerProcess, startServer } from "./server-process";

export interface ReplicaSpec {
  command: string[];
  count: number;
  store: BenchStore;
  /** INBOX_* variables for every replica, on top of the store's. */
  env: Record<string, string>;
  readyTimeoutMs: number;
}

export async function startReplicas(
  spec: ReplicaSpec,
  setUp: (first: ServerProcess) => Promise<void>,
): Promise<ServerProcess[]> {
  const start = (n: number) =>
    startServer({
      command: spec.command,
      dataDir: tempDir(`data-r${n}`),
      env: { ...spec.env, ...spec.store.env(n) },
      readyTimeoutMs: spec.readyTimeoutMs,
      expectKeys: n === 1,
    });
  const first = await start(1);
  const servers = [first];
  try {
    await setUp(first);
    const rest = await Promise.allSettled(Array.from({ length: spec.count - 1 }, (_, k) => start(k + 2)));
    for (const r of rest) if (r.status === "fulfilled") servers.push(r.value);
    const failed = rest.find((r) => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    return servers;
  } catch (err) {
    await stopReplicas(servers, 5000);
    throw err;
  }
}

/** Stops every replica at once; answers the largest stop time and the first non-zero exit code (or 0). */
export async function stopReplicas(
  servers: ServerProcess[],
  graceMs: number,
): Promise<{ code: number | null; ms: number; killed: boolean }> {
  const stops = await Promise.all(servers.map((s) => s.stop(graceMs)));
  return {
    code: stops.find((s) => s.code !== 0)?.code ?? 0,
    ms: Math.max(...stops.map((s) => s.ms)),
    killed: stops.some((s) => s.killed),
  };
}
