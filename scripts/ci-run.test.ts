// .ci/run installs the Bun version package.json pins, whatever Bun is on PATH, and then runs the
// README's test command. Run against fake `bun` and `npm` executables on a temporary PATH, so that
// nothing is installed: the fake npm records what it was asked and fails, which stops the script.

import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pinnedBunVersion } from "./check";

const ROOT = resolve(import.meta.dir, "..");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fakeBin(bunVersion: string) {
  const dir = mkdtempSync(join(tmpdir(), "fake-ci-"));
  dirs.push(dir);
  const npmCalls = join(dir, "npm-calls.txt");
  const script = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  script(
    "bun",
    `if [ "$1" = --version ]; then echo ${bunVersion}; exit 0; fi\necho "bun $*" >> "${npmCalls}"`,
  );
  script("npm", `echo "npm $*" >> "${npmCalls}"\nexit 7`);
  return {
    dir,
    calls: () => (existsSync(npmCalls) ? readFileSync(npmCalls, "utf8").trim().split("\n") : []),
  };
}

async function ciRun(bin: string) {
  const node = Bun.which("node");
  if (node === null) throw new Error("node is not on PATH");
  const proc = Bun.spawn(["bash", join(ROOT, ".ci/run")], {
    cwd: ROOT,
    env: { PATH: `${bin}:${dirname(node)}:/usr/bin:/bin`, HOME: process.env.HOME ?? "/tmp" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, output: stdout + stderr };
}

test("another Bun on PATH makes .ci/run install the pinned version with npm", async () => {
  const pinned = await pinnedBunVersion();
  const fake = fakeBin("1.0.0");
  const { code, output } = await ciRun(fake.dir);
  expect(code).toBe(7);
  expect(output).toContain(`ci: installing Bun ${pinned} with npm`);
  expect(fake.calls()).toEqual([`npm i -g bun@${pinned}`]);
});

test("the pinned Bun on PATH is used as it is, for `bun install` and `bun run test`", async () => {
  const pinned = await pinnedBunVersion();
  const fake = fakeBin(pinned);
  const { code, output } = await ciRun(fake.dir);
  expect(code).toBe(0);
  expect(output).toContain(`ci: bun ${pinned}`);
  expect(fake.calls()).toEqual(["bun install --frozen-lockfile", "bun run --silent test"]);
});
