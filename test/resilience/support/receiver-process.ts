// Test-side handle on receiver-main.ts: spawns it, knows its URL, changes its delay, and reads back
// which event ids arrived (and how often) from its append-only log.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export interface ReceiverLog {
  /** Arrivals per event id (a count above 1 is a duplicate delivery). */
  arrivals: Map<string, number>;
  /** Event ids the receiver answered 2xx at least once. */
  answered: Set<string>;
  /** Total requests seen. */
  total: number;
}

export class ReceiverProcess {
  private constructor(
    private readonly proc: Subprocess<"ignore", "pipe", "inherit">,
    private readonly dir: string,
    readonly logFile: string,
    readonly url: string,
  ) {}

  static async start(delayMs = 0): Promise<ReceiverProcess> {
    const dir = mkdtempSync(join(tmpdir(), "inbox-receiver-"));
    const logFile = join(dir, "arrivals.log");
    const proc = Bun.spawn(["bun", join(import.meta.dir, "receiver-main.ts"), logFile, String(delayMs)], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "inherit",
    });
    const reader = proc.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("receiver exited before printing its port");
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const { port } = JSON.parse(text.slice(0, text.indexOf("\n"))) as { port: number };
    return new ReceiverProcess(proc, dir, logFile, `http://127.0.0.1:${port}/hook`);
  }

  async setDelay(delayMs: number): Promise<void> {
    const res = await fetch(new URL("/__control", this.url), {
      method: "POST",
      body: JSON.stringify({ delay_ms: delayMs }),
    });
    if (!res.ok) throw new Error(`receiver control answered ${res.status}`);
  }

  read(): ReceiverLog {
    const arrivals = new Map<string, number>();
    const answered = new Set<string>();
    let total = 0;
    for (const line of readFileSync(this.logFile, "utf8").split("\n")) {
      const [kind, id] = line.split(" ");
      if (!id) continue;
      if (kind === "A") {
        total++;
        arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
      } else if (kind === "D") {
        answered.add(id);
      }
    }
    return { arrivals, answered, total };
  }

  async stop(): Promise<void> {
    this.proc.kill("SIGTERM");
    await this.proc.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Duplicate arrivals: requests beyond the first for each event id. */
export function duplicateCount(log: ReceiverLog): number {
  let extra = 0;
  for (const count of log.arrivals.values()) extra += count - 1;
  return extra;
}
