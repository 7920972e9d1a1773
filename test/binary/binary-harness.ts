// Runs the compiled executable (dist/inbox-webhooks, built by `bun run build`) the way an operator does:
// copied alone into a fresh temp directory with no node_modules, started from there, configured only by
// flags and environment variables, and observed only through its output, exit code and HTTP API.

import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { forEachLine } from "../support/lines";

export const BUILT_BINARY = resolve(import.meta.dir, "../../dist/inbox-webhooks");

/** A temp directory holding only a copy of the binary. */
export interface Sandbox {
  dir: string;
  bin: string;
  remove(): void;
}

export function makeSandbox(): Sandbox {
  if (!existsSync(BUILT_BINARY)) {
    throw new Error(`${BUILT_BINARY} is missing: run \`bun run build\` first`);
  }
  const dir = mkdtempSync(join(tmpdir(), "inbox-bin-"));
  const bin = join(dir, "inbox-webhooks");
  copyFileSync(BUILT_BINARY, bin);
  chmodSync(bin, 0o755);
  return { dir, bin, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Only what a process needs to run; no INBOX_* variable leaks in from the test runner's environment. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...extra };
}

export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the binary to completion; kills it if it runs longer than `timeoutMs`. */
export async function runToExit(
  sandbox: Sandbox,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<Finished> {
  const proc = Bun.spawn([sandbox.bin, ...args], {
    cwd: sandbox.dir,
    env: cleanEnv(env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

export interface LogLine {
  time: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A server process started from a sandbox, up and listening. */
export interface RunningServer {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  port: number;
  url: string;
  /** Every JSON log line seen on stdout so far. */
  logs: LogLine[];
  /** Every non-JSON stdout line seen so far (there should be none). */
  strayStdout: string[];
  stderr(): string;
  /** Sends `signal` and resolves with the exit code once the process ends and its output is read. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts the server with `args` (port 0 and host 127.0.0.1 unless given) and waits for its "listening" line. */
export async function startServer(
  sandbox: Sandbox,
  args: string[] = [],
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<RunningServer> {
  const fullArgs = [...args];
  if (!args.includes("--port")) fullArgs.push("--port", "0");
  if (!args.includes("--host")) fullArgs.push("--host", "127.0.0.1");
  const proc = Bun.spawn([sandbox.bin, ...fullArgs], {
    cwd: sandbox.dir,
    env: cleanEnv(env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const logs: LogLine[] = [];
  const strayStdout: string[] = [];
  let stderrText = "";
  const stderrDone = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) stderrText += decoder.decode(chunk, { stream: true });
  })();

  let onListening: (line: LogLine) => void = () => {};
  const listening = new Promise<LogLine>((res) => {
    onListening = res;
  });
  const stdoutDone = forEachLine(proc.stdout, (line) => {
    if (line.trim() === "") return;
    try {
      const parsed = JSON.parse(line) as LogLine;
      logs.push(parsed);
      if (parsed.msg === "listening") onListening(parsed);
    } catch {
      strayStdout.push(line);
    }
  });

  const outcome = await Promise.race([
    listening.then((line) => ({ kind: "listening" as const, line })),
    proc.exited.then((code) => ({ kind: "exited" as const, code })),
    Bun.sleep(timeoutMs).then(() => ({ kind: "timeout" as const })),
  ]);
  if (outcome.kind !== "listening") {
    proc.kill("SIGKILL");
    await Promise.all([stdoutDone, stderrDone, proc.exited]);
    const why =
      outcome.kind === "exited" ? `exited with ${outcome.code}` : `not listening after ${timeoutMs} ms`;
    throw new Error(
      `server ${why}\nstdout: ${JSON.stringify(logs)} ${strayStdout.join("\n")}\nstderr: ${stderrText}`,
    );
  }
  const port = Number(outcome.line.port);
  return {
    proc,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    strayStdout,
    stderr: () => stderrText,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const code = await Promise.race([proc.exited, Bun.sleep(15_000).then(() => "timeout" as const)]);
      if (code === "timeout") {
        proc.kill("SIGKILL");
        await proc.exited;
        throw new Error(`server did not exit within 15 s of ${signal}`);
      }
      await Promise.all([stdoutDone, stderrDone]);
      return code;
    },
  };
}

/** The keys a first start prints once (on stderr, outside the JSON log stream). */
export interface FirstStartKeys {
  adminKey?: string;
  apiKey?: string;
  accountId?: string;
}

export function parseFirstStartKeys(stderr: string): FirstStartKeys {
  return {
    adminKey: /admin key:\s+(\S+)/.exec(stderr)?.[1],
    apiKey: /default account key:\s+(\S+)/.exec(stderr)?.[1],
    accountId: /default account:\s+(\S+)/.exec(stderr)?.[1],
  };
}

/** Polls until `read()` returns something other than undefined; throws after `timeoutMs`. */
export async function eventually<T>(
  read: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

/** JSON API call with a bearer key; answers status and parsed body (undefined when empty). */
export async function api(
  server: { url: string },
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

/** A server started fresh from its own sandbox, with the keys its first start printed. */
export interface FreshServer {
  sandbox: Sandbox;
  /** The running process; replaced by restart(). */
  server: RunningServer;
  apiKey: string;
  adminKey: string;
  accountId: string;
  /** Stops the server (SIGTERM, expecting exit code 0) and starts it again from the same sandbox. */
  restart(): Promise<void>;
  /** Kills the server and removes the sandbox; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * The set-up most binary tests share: a sandbox, the server started in it with `args` and `env`, and
 * the admin key, default account and its key that the first start printed (throws if any is missing).
 */
export async function startFresh(
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<FreshServer> {
  const sandbox = makeSandbox();
  let server: RunningServer;
  try {
    server = await startServer(sandbox, args, env);
  } catch (error) {
    sandbox.remove();
    throw error;
  }
  const { apiKey, adminKey, accountId } = parseFirstStartKeys(server.stderr());
  const fresh: FreshServer = {
    sandbox,
    server,
    apiKey: apiKey ?? "",
    adminKey: adminKey ?? "",
    accountId: accountId ?? "",
    async restart() {
      const code = await fresh.server.stop("SIGTERM");
      if (code !== 0) throw new Error(`server exited with ${code} on SIGTERM`);
      fresh.server = await startServer(sandbox, args, env);
    },
    async close() {
      await fresh.server.stop("SIGKILL").catch(() => {});
      sandbox.remove();
    },
  };
  if (!apiKey || !adminKey || !accountId) {
    await fresh.close();
    throw new Error(`the first start printed no keys; stderr: ${server.stderr()}`);
  }
  return fresh;
}

/** A valid event of a built-in type: `type` and its catalog example's data (GET /v1/event-types). */
export async function sampleEvent(
  server: { url: string },
  key: string,
  type = "message.delivered",
): Promise<{ type: string; data: unknown }> {
  const res = await api(server, key, "GET", "/v1/event-types");
  const types = (res.body as { data: { type: string; example: { data: unknown } }[] }).data;
  const found = types.find((t) => t.type === type);
  if (!found) throw new Error(`no event type ${type} in the catalog (${res.status})`);
  return { type, data: found.example.data };
}
