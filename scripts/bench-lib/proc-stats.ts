// Memory and CPU of a child process, read from Linux /proc. VmHWM is the kernel's own peak resident
// set, so a short spike between two samples is still seen; VmRSS is sampled to show the shape.

import { readdirSync, readFileSync } from "node:fs";

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

/** The fields of /proc/<pid>/stat after the command name, or null when the process is gone. */
function statFields(pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

/** Sum of the clock-tick fields at `indexes` (of statFields), in seconds; null if any is missing. */
function ticks(fields: string[] | null, indexes: number[]): number | null {
  if (fields === null) return null;
  let sum = 0;
  for (const i of indexes) {
    const n = Number(fields[i]);
    if (!Number.isFinite(n)) return null;
    sum += n;
  }
  return sum / CLOCK_TICKS_PER_SECOND;
}

// Indexes into statFields: utime, stime (the process), cutime, cstime (its children already reaped).
const OWN = [11, 12];
const OWN_SYSTEM = [12];
const OWN_AND_REAPED = [11, 12, 13, 14];
const PPID = 1;

/** User plus system CPU seconds `pid` has used, or null when it is gone. */
export function readCpuSeconds(pid: number): number | null {
  return ticks(statFields(pid), OWN);
}

/** Of readCpuSeconds: the system (kernel) CPU seconds of `pid`, or null when it is gone. */
export function readSystemCpuSeconds(pid: number): number | null {
  return ticks(statFields(pid), OWN_SYSTEM);
}

/**
 * CPU seconds of a process and all its children, living or reaped (PostgreSQL's postmaster and its
 * backends, which come and go): the parent's own and reaped-children time plus each live child's own.
 * A child that exits between two readings moves from the second term to the first, so nothing is lost;
 * only grandchildren are not counted (PostgreSQL forks every process from the postmaster).
 */
export function readTreeCpuSeconds(pid: number): number | null {
  const parent = ticks(statFields(pid), OWN_AND_REAPED);
  if (parent === null) return null;
  let total = parent;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields !== null && Number(fields[PPID]) === pid) total += ticks(fields, OWN) ?? 0;
  }
  return total;
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
