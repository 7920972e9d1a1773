import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskSampler } from "./disk-sampler";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test("samples the directory at start, on its interval and at stop", async () => {
  const dir = mkdtempSync(join(tmpdir(), "disk-sampler-"));
  dirs.push(dir);
  const sampler = new DiskSampler(dir, 20).start();
  writeFileSync(join(dir, "data"), Buffer.alloc(64_000, 1));
  await Bun.sleep(70);
  const samples = sampler.stop();
  expect(samples[0]).toEqual({ at_s: 0, bytes: 0 });
  expect(samples.length).toBeGreaterThanOrEqual(3);
  expect(samples[samples.length - 1]?.bytes).toBeGreaterThanOrEqual(64_000);
  for (let i = 1; i < samples.length; i++) {
    expect(samples[i]?.at_s).toBeGreaterThanOrEqual(samples[i - 1]?.at_s as number);
  }
});

test("keeps at most samplesMax samples, the first one included", async () => {
  const dir = mkdtempSync(join(tmpdir(), "disk-sampler-"));
  dirs.push(dir);
  const sampler = new DiskSampler(dir, 5, 4).start();
  await Bun.sleep(60);
  const samples = sampler.stop();
  expect(samples.length).toBe(4);
  expect(samples[0]?.at_s).toBe(0);
});

test("a directory that is missing is skipped, not an error", () => {
  const sampler = new DiskSampler(join(tmpdir(), "no-such-dir-for-disk-sampler")).start();
  expect(sampler.stop()).toEqual([]);
});
