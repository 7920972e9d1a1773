// The driver's handle on the bench receiver (scripts/bench-receiver.ts): spawns it as its own process,
// learns its port, and talks to its control endpoints.

import { join } from "node:path";
import type { Subprocess } from "bun";
import type { ArrivalStats } from "./arrival-log";
import { track } from "./children";

export interface ReceiverStats extends ArrivalStats {
  ok: number;
  failed_on_purpose: number;
  bad_signature: number;
  unknown_token: number;
  malformed: number;
}

export interface Receiver {
  readonly pid: number;
  readonly baseUrl: string;
  /** Forgets all arrivals; `tokens` become webhook numbers 0..n-1 in this order. */
  setup(tokens: { token: string; secret: string }[], events: number): Promise<void>;
  stats(): Promise<ReceiverStats>;
  /** First arrival times, webhook-major; 0 where none arrived. */
  arrivals(): Promise<Float64Array>;
  stop(): Promise<void>;
}

const SCRIPT = join(import.meta.dir, "..", "bench-receiver.ts");

export async function startReceiver(): Promise<Receiver> {
  const proc: Subprocess<"pipe", "pipe", "inherit"> = track(
    Bun.spawn([process.execPath, SCRIPT], { stdin: "pipe", stdout: "pipe", stderr: "inherit" }),
  );
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + 10_000;
  while (!text.includes("\n")) {
    const timeout = new Promise<null>((resolve) =>
      setTimeout(() => resolve(null), Math.max(0, deadline - Date.now())),
    );
    const chunk = await Promise.race([reader.read(), timeout]);
    if (chunk === null || chunk.done) {
      proc.kill("SIGKILL");
      throw new Error(`bench receiver did not report its port: ${JSON.stringify(text)}`);
    }
    text += decoder.decode(chunk.value, { stream: true });
  }
  reader.releaseLock();
  const port = (JSON.parse(text.slice(0, text.indexOf("\n"))) as { port: number }).port;
  const baseUrl = `http://127.0.0.1:${port}`;

  const control = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${baseUrl}/_control/${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
    if (res.status !== 200) throw new Error(`receiver ${path}: ${res.status} ${await res.text()}`);
    return res;
  };

  return {
    pid: proc.pid,
    baseUrl,
    async setup(tokens, events) {
      await control("setup", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ tokens, events }),
      });
    },
    async stats() {
      return (await (await control("stats")).json()) as ReceiverStats;
    },
    async arrivals() {
      return new Float64Array(await (await control("arrivals")).arrayBuffer());
    },
    async stop() {
      proc.stdin.end();
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}
