// Every process and temporary directory the benchmark creates is registered here and removed when the
// driver exits, whether it finishes, fails or is interrupted. Only our own children are signalled,
// each by its pid.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const children = new Set<Subprocess>();
const tempDirs = new Set<string>();
let keepTempDirs = false;

/** Registers a child so that it is killed if the driver exits while it still runs. */
export function track<T extends Subprocess>(proc: T): T {
  children.add(proc);
  proc.exited.then(
    () => children.delete(proc),
    () => children.delete(proc),
  );
  return proc;
}

/** A fresh directory under the OS temp dir, removed at exit unless keepTemp(true) was called. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `inbox-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function keepTemp(keep: boolean): void {
  keepTempDirs = keep;
}

/** Kills every child still running and removes the temp dirs. Synchronous: safe in an exit hook. */
export function cleanUp(): void {
  for (const proc of children) {
    try {
      proc.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
  if (!keepTempDirs) {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    tempDirs.clear();
  }
}

/** Installs the exit and signal hooks once. */
export function cleanUpOnExit(): void {
  process.on("exit", cleanUp);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping children\n`);
      cleanUp();
      process.exit(130);
    });
  }
}
