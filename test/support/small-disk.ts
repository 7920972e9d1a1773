// A small file system for disk-full tests: a tmpfs of a few MiB mounted on a temp directory, plus a
// filler file that takes its space and gives it back. Mounting needs root (CI and the dev container
// run tests as root); elsewhere `smallDiskUnavailable` says why and the tests that need it are skipped.

import { mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SmallDisk {
  /** The mount point: an empty directory on the small file system. */
  dir: string;
  /** Fills the file system up to `leaveBytes` free, with a filler file that `free()` removes. */
  fill(leaveBytes: number): void;
  /** Removes the filler: space returns. */
  free(): void;
  /** Unmounts and removes the mount point. */
  remove(): void;
}

function probe(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to mount a tmpfs";
  const dir = mkdtempSync(join(tmpdir(), "inbox-disk-probe-"));
  try {
    const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir], { stderr: "pipe" });
    if (mount.exitCode !== 0) return `cannot mount a tmpfs: ${mount.stderr.toString().trim()}`;
    Bun.spawnSync(["umount", dir]);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why small disks cannot be made here, or undefined when they can. */
export const smallDiskUnavailable: string | undefined = probe();

export function mountSmallDisk(sizeMiB: number): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), "inbox-disk-"));
  const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${sizeMiB}m`, "tmpfs", dir], {
    stderr: "pipe",
  });
  if (mount.exitCode !== 0) throw new Error(`mount failed: ${mount.stderr.toString()}`);
  const filler = join(dir, "filler");
  return {
    dir,
    fill(leaveBytes) {
      const stat = statfsSync(dir);
      const free = stat.bavail * stat.bsize;
      writeFileSync(filler, Buffer.alloc(Math.max(0, free - leaveBytes)));
    },
    free() {
      rmSync(filler, { force: true });
    },
    remove() {
      Bun.spawnSync(["umount", "-l", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
