import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesPerEvent, diskBytes } from "./disk-usage";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("diskBytes", () => {
  test("counts the blocks of every file, nested directories included", () => {
    const dir = mkdtempSync(join(tmpdir(), "disk-usage-"));
    dirs.push(dir);
    expect(diskBytes(dir)).toBe(0);
    writeFileSync(join(dir, "a"), Buffer.alloc(10_000, 1));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "b"), Buffer.alloc(20_000, 1));
    const bytes = diskBytes(dir);
    // Whole blocks: at least the bytes written, at most a few blocks more.
    expect(bytes).toBeGreaterThanOrEqual(30_000);
    expect(bytes).toBeLessThan(30_000 + 4 * 8192);
  });
});

describe("bytesPerEvent", () => {
  test("divides by the events delivered to every webhook", () => {
    expect(bytesPerEvent(1_000_000, 1_000, 1)).toBe(1_000);
    expect(bytesPerEvent(1_000_000, 1_000, 4)).toBe(4_000);
    expect(bytesPerEvent(1_000, 3, 2)).toBe(1_000);
  });

  test("is null when nothing was delivered", () => {
    expect(bytesPerEvent(1_000, 0, 1)).toBeNull();
    expect(bytesPerEvent(1_000, 1, 2)).toBeNull();
  });
});
