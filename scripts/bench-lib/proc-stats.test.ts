import { expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { readCpuSeconds, readSystemCpuSeconds, readTreeCpuSeconds } from "./proc-stats";

/** Child processes burning CPU on a machine shared with other work: generous. */
const TIMEOUT_MS = 30_000;

/** Burns `argv[1]` ms of its own CPU time (not wall time, which a busy machine stretches). */
const BURN = "const ms = Number(process.argv[1]) * 1000; while (process.cpuUsage().user < ms) {}";

function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

test(
  "tree CPU counts children, reaped and live, beside the parent's own",
  async () => {
    // A shell runs one burner to completion (then reaped: its time is in the shell's cutime), says so, and
    // starts a second that is still burning when measured.
    const script = `"$0" -e '${BURN}' 400; echo reaped; "$0" -e '${BURN}' 60000 & wait`;
    const shell = Bun.spawn(["sh", "-c", script, process.execPath], { stdout: "pipe", stderr: "inherit" });
    try {
      const reader = shell.stdout.getReader();
      await reader.read(); // "reaped"
      const first = readTreeCpuSeconds(shell.pid) as number;
      await Bun.sleep(500);
      const second = readTreeCpuSeconds(shell.pid) as number;
      const own = readCpuSeconds(shell.pid) as number;
      expect(first).toBeGreaterThanOrEqual(own + 0.4);
      expect(second).toBeGreaterThan(first); // the live child's time, while the shell itself only waits
      expect(own).toBeLessThan(0.1);
    } finally {
      for (const child of childrenOf(shell.pid)) process.kill(child, "SIGKILL");
      shell.kill("SIGKILL");
      await shell.exited;
    }
    expect(readTreeCpuSeconds(shell.pid)).toBeNull();
  },
  TIMEOUT_MS,
);

test("the system CPU of a process is its kernel time, apart from its user time", () => {
  // About 0.3 s in user space and some in the kernel, so that the two are far apart.
  const start = process.cpuUsage();
  while (process.cpuUsage(start).user < 300_000) {}
  for (let i = 0; i < 20_000; i++) statSync("/proc/self/stat");
  const system = readSystemCpuSeconds(process.pid);
  const usage = process.cpuUsage();
  // /proc counts in ticks of 10 ms: as near the process's own figure as that allows.
  expect(Math.abs((system ?? -1) - usage.system / 1e6)).toBeLessThan(0.05);
  expect(readSystemCpuSeconds(2 ** 30)).toBeNull();
});
