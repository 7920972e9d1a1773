import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBunTestSummary, pinnedBunVersion } from "./check";

describe("parseBunTestSummary", () => {
  test("reads the pass and fail counts of bun's final summary", () => {
    const output = [
      "src/a.test.ts:",
      "(pass) a [0.10ms]",
      "(fail) b [0.20ms]",
      "",
      " 12 pass",
      " 3 fail",
      " 1 error",
      " 40 expect() calls",
      "Ran 15 tests across 4 files. [1.00s]",
    ].join("\n");
    expect(parseBunTestSummary(output)).toEqual({ passed: 12, failed: 3 });
  });

  test("ignores colour codes and takes the last summary when tests print look-alike lines", () => {
    const output = "log: 99 pass\n 7 pass\n\u001b[31m 2 fail\u001b[0m\n\n 5 pass\n 0 fail\nRan 5 tests\n";
    expect(parseBunTestSummary(output)).toEqual({ passed: 5, failed: 0 });
  });

  test("answers undefined when there is no summary (the run crashed before reporting)", () => {
    expect(parseBunTestSummary("error: Cannot find module\n")).toBeUndefined();
  });
});

describe("pinnedBunVersion", () => {
  test("reads the version from package.json's packageManager", async () => {
    const pkg = await Bun.file(`${import.meta.dir}/../package.json`).json();
    expect(await pinnedBunVersion()).toBe(pkg.packageManager.slice("bun@".length));
    expect(await pinnedBunVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("refuses a missing or loose pin, naming the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pin-"));
    try {
      for (const packageManager of [undefined, "bun@^1.4.5", "npm@10.0.0", "bun@latest"]) {
        const path = join(dir, "package.json");
        writeFileSync(path, JSON.stringify({ name: "x", packageManager }));
        await expect(pinnedBunVersion(path)).rejects.toThrow(`${path}: packageManager must be "bun@<x.y.z>"`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
