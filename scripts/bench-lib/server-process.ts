// Runs the server under test as a child process on 127.0.0.1: spawns it on a free port with a given
// data directory, reads the first-start keys from its stderr banner, measures how long it takes to
// answer GET /health with 200, and stops it with SIGTERM (SIGKILL after a bound).

import type { Subprocess } from "bun";
import { freePort } from "../lib/free-port";
import { track } from "./children";
import { sleep } from "./stats";

export interface ServerSpec {
  /** argv before the bench's own flags: [binary] or [bun, src/main.ts]. */
  command: string[];
  dataDir: string;
  /** INBOX_* variables on top of the bench defaults. */
  env: Record<string, string>;
  readyTimeoutMs: number;
  /** True on a fresh data directory: wait for the banner's keys. */
  expectKeys: boolean;
}

/** The server's default INBOX_MAX_DELIVERIES_PER_PUBLISH. */
const DELIVERIES_PER_PUBLISH_MAX_DEFAULT = 10_000;

/**
 * Raises the server's deliveries-per-publish limit when one bench request fans out to more (up to
 * 1,000 events x 100 webhooks); otherwise nothing, so that the server runs with its defaults.
 */
export function fanOutEnv(batch: number, fanout: number): Record<string, string> {
  const deliveries = batch * fanout;
  return deliveries > DELIVERIES_PER_PUBLISH_MAX_DEFAULT
    ? { INBOX_MAX_DELIVERIES_PER_PUBLISH: String(deliveries) }
    : {};
}

export interface ServerProcess {
  readonly pid: number;
  readonly dataDir: string;
  readonly baseUrl: string;
  readonly adminKey: string | null;
  readonly accountKey: string | null;
  /** Spawn to the first 200 from GET /health, ms. */
  readonly readyMs: number;
  /** Lines written to stdout so far (the JSON log), and those at level warn or error. */
  logLines(): { total: number; warn: number; error: number };
  /** The last few KiB of stdout and stderr, for failure messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; answers the exit code and how long the stop took. */
  stop(graceMs: number): Promise<{ code: number | null; ms: number; killed: boolean }>;
  readonly exited: Promise<number>;
  /** The exit code once the process has ended, null while it runs. */
  exitCode(): number | null;
}

/** Reads a stream to its end, handing each decoded chunk to `onText`. */
async function drain(stream: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) onText(decoder.decode(chunk, { stream: true }));
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** The server's environment: the bench controls its whole configuration, so inherited INBOX_* go. */
function serverEnv(specEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith("INBOX_") && v !== undefined) env[k] = v;
  return Object.assign(env, { INBOX_HOST: "127.0.0.1", INBOX_ALLOW_PRIVATE_TARGETS: "true" }, specEnv);
}

/** True when /health answers 200 now. */
async function healthy(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false; // not listening yet
  }
}

/** Milliseconds from spawn until /health answered 200; throws if the server exits or is too slow. */
async function awaitReady(
  baseUrl: string,
  spawnedAt: number,
  readyTimeoutMs: number,
  proc: { exitCode: () => number | null; kill: () => void; tail: () => string },
): Promise<number> {
  const deadline = spawnedAt + readyTimeoutMs;
  for (;;) {
    const exitCode = proc.exitCode();
    if (exitCode !== null)
      throw new Error(`server exited with code ${exitCode} before it was ready\n${proc.tail()}`);
    if (performance.now() > deadline) {
      proc.kill();
      throw new Error(`server not ready within ${readyTimeoutMs} ms\n${proc.tail()}`);
    }
    if (await healthy(baseUrl)) return performance.now() - spawnedAt;
    await sleep(5);
  }
}

export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  const port = freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = serverEnv(spec.env);

  const spawnedAt = performance.now();
  const proc: Subprocess<"ignore", "pipe", "pipe"> = track(
    Bun.spawn([...spec.command, "--port", String(port), "--data-dir", spec.dataDir], {
      env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    }),
  );
  let stdoutTail = "";
  let stderrText = "";
  const lines = { total: 0, warn: 0, error: 0 };
  drain(proc.stdout, (text) => {
    lines.total += countOf(text, "\n");
    lines.warn += countOf(text, '"level":"warn"');
    lines.error += countOf(text, '"level":"error"');
    stdoutTail = (stdoutTail + text).slice(-4096);
  }).catch(() => {});
  drain(proc.stderr, (text) => {
    stderrText = (stderrText + text).slice(-16384);
  }).catch(() => {});
  let exitCode: number | null = null;
  // Safe to not await: `exited` resolves with the exit code and never rejects.
  void proc.exited.then((code) => {
    exitCode = code;
  });
  const tail = () =>
    `--- server stdout (tail) ---\n${stdoutTail}\n--- server stderr (tail) ---\n${stderrText.slice(-4096)}`;

  const readyMs = await awaitReady(baseUrl, spawnedAt, spec.readyTimeoutMs, {
    exitCode: () => exitCode,
    kill: () => proc.kill("SIGKILL"),
    tail,
  });

  const key = (label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(stderrText)?.[1] ?? null;
  if (spec.expectKeys) {
    const keysBy = performance.now() + 5000;
    while (key("default account key") === null && performance.now() < keysBy) await sleep(10);
    if (key("default account key") === null) {
      throw new Error(`no "default account key:" line on the server's stderr\n${tail()}`);
    }
  }

  return {
    pid: proc.pid,
    dataDir: spec.dataDir,
    baseUrl,
    adminKey: key("admin key"),
    accountKey: key("default account key"),
    readyMs,
    logLines: () => ({ ...lines }),
    tail,
    exited: proc.exited,
    exitCode: () => exitCode,
    async stop(graceMs) {
      const started = performance.now();
      if (exitCode === null) proc.kill("SIGTERM");
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        proc.kill("SIGKILL");
      }, graceMs);
      try {
        const code = await proc.exited;
        return { code, ms: Math.round(performance.now() - started), killed };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
