// Runs the real appliance as a child process (`bun src/main.ts`) on a free port and a temp data
// directory, the way an operator does, so that tests can SIGKILL/SIGTERM it and start it again on
// the same data. Keys come from the first-start banner on stderr; the port from the "listening" log line.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { forEachLine } from "../../support/lines";
import { waitFor } from "./wait";

const REPO_ROOT = resolve(import.meta.dir, "../../..");
const MAIN = join(REPO_ROOT, "src/main.ts");

export interface ServerOptions {
  /** Extra environment (INBOX_RETRY_SCHEDULE, INBOX_TIMEOUT, ...). */
  env?: Record<string, string>;
  /** Reuse this data directory instead of a fresh temp one. */
  dataDir?: string;
  /** How long to wait for the first start, ms. */
  startTimeoutMs?: number;
}

export class ServerProcess {
  readonly dataDir: string;
  private readonly env: Record<string, string>;
  private proc: Subprocess<"ignore", "pipe", "pipe"> | undefined;
  private stdoutTail: string[] = [];
  private stderrText = "";
  private port = 0;
  adminKey = "";
  accountKey = "";
  /** Starts so far, including the first. */
  starts = 0;
  /** The signal last sent to the current process, set synchronously by kill(): its exit may not be reaped yet. */
  lastSignal: string | undefined;

  private constructor(options: ServerOptions) {
    this.dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "inbox-resilience-"));
    this.env = options.env ?? {};
  }

  /** Spawns the server on a fresh data dir, waits for its keys, its port and a healthy /health. */
  static async start(options: ServerOptions = {}): Promise<ServerProcess> {
    const server = new ServerProcess(options);
    await server.spawn(options.startTimeoutMs ?? 20_000);
    if (!server.adminKey || !server.accountKey) {
      throw new Error(`first start printed no keys; stderr was:\n${server.stderrText}`);
    }
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The last stdout lines (JSON logs), for failure messages. */
  recentLogs(lines = 30): string {
    return this.stdoutTail.slice(-lines).join("\n");
  }

  /** Sends a signal to the server process (SIGKILL, SIGTERM). */
  kill(signal: "SIGKILL" | "SIGTERM" | "SIGINT"): void {
    this.lastSignal = signal;
    this.proc?.kill(signal);
  }

  /** Waits for the process to end and tells how: exit code or signal name. */
  async exited(timeoutMs = 30_000): Promise<{ code: number | null; signal: string | null }> {
    const proc = this.proc;
    if (!proc) throw new Error("server was never started");
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    try {
      await proc.exited;
    } finally {
      clearTimeout(timer);
    }
    return { code: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode) };
  }

  /** Starts the server again on the same data directory (the previous process must have ended). */
  async restart(timeoutMs = 20_000): Promise<void> {
    if (this.running) throw new Error("restart while the previous process is still running");
    await this.spawn(timeoutMs);
  }

  /** Kills the process if it still runs and removes the data directory. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.proc && this.running) {
      this.proc.kill("SIGKILL");
      await this.proc.exited;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async spawn(timeoutMs: number): Promise<void> {
    this.port = 0;
    this.stderrText = "";
    this.lastSignal = undefined;
    const proc = Bun.spawn(
      ["bun", MAIN, "--port", "0", "--data-dir", this.dataDir, "--allow-private-targets"],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, INBOX_HOST: "127.0.0.1", INBOX_LOG_LEVEL: "info", ...this.env },
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    this.proc = proc;
    this.starts++;
    void forEachLine(proc.stdout, (line) => {
      this.stdoutTail.push(line);
      if (this.stdoutTail.length > 400) this.stdoutTail.splice(0, 200);
      if (this.port === 0 && line.includes('"listening"')) {
        try {
          const parsed = JSON.parse(line) as { msg?: string; port?: number };
          if (parsed.msg === "listening" && typeof parsed.port === "number") this.port = parsed.port;
        } catch {
          // not a JSON line; the logger's contract says it is, the wait below reports it if not
        }
      }
    });
    void forEachLine(proc.stderr, (line) => {
      this.stderrText += `${line}\n`;
      const admin = /admin key:\s+(\S+)/.exec(line);
      if (admin?.[1]) this.adminKey = admin[1];
      const account = /default account key:\s+(\S+)/.exec(line);
      if (account?.[1]) this.accountKey = account[1];
    });
    const firstStart = this.starts === 1;
    try {
      await waitFor(
        "the server to listen and print its keys",
        () => {
          if (!this.running) throw new Error(`server exited during start: ${this.stderrText}`);
          return this.port !== 0 && (!firstStart || (this.adminKey !== "" && this.accountKey !== ""));
        },
        { timeoutMs, intervalMs: 20 },
      );
      await waitFor(
        "GET /health to answer 200",
        async () => (await fetch(`${this.url}/health`)).status === 200,
        { timeoutMs, intervalMs: 50 },
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`${message}\nstderr:\n${this.stderrText}\nstdout:\n${this.recentLogs()}`);
    }
  }
}
