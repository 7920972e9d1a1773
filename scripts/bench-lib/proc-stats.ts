// Memory and CPU of a child process, read from Linux /proc. VmHWM is the kernel's own peak resident
// set, so a short spike between two samples is still seen; VmRSS is sampled to show the shape.

import { readFileSync } from "node:fs";

export interface ProcMemory {
  /** Resident set now, bytes. */
  rss: number;
  /** Peak resident set since the process started, bytes. */
  hwm: number;
  /** Of `rss`: anonymous memory (heaps, buffers), and file pages mapped in (LMDB's data file). */
  anon: number;
  file: number;
}

/** Memory of `pid`, or null when the process is gone or /proc is not there. */
export function readMemory(pid: number): ProcMemory | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  };
  const rss = kb("VmRSS");
  const hwm = kb("VmHWM");
  return Number.isNaN(rss) || Number.isNaN(hwm)
    ? null
    : { rss, hwm, anon: kb("RssAnon"), file: kb("RssFile") };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU seconds `pid` has used, or null when it is gone. */
export function readCpuSeconds(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / CLOCK_TICKS_PER_SECOND : null;
}

/** Samples a process's VmRSS on an interval and keeps the largest value seen. */
export class RssSampler {
  private timer: ReturnType<typeof setInterval> | null = null;
  maxRss = 0;
  /** RssAnon and RssFile at the sample where RSS was largest. */
  atMax = { anon: 0, file: 0 };
  lastHwm = 0;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  sample(): ProcMemory | null {
    const m = readMemory(this.pid);
    if (m) {
      if (m.rss > this.maxRss) this.atMax = { anon: m.anon, file: m.file };
      this.maxRss = Math.max(this.maxRss, m.rss);
      this.lastHwm = Math.max(this.lastHwm, m.hwm);
    }
    return m;
  }

  stop(): void {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

export function mb(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}
