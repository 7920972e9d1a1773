// The Chromium step of `bun run test`, against fake hosts: an apt-get on a temporary PATH that records
// what it was asked and "installs" by creating a file, so nothing on this machine is installed or removed.

import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  currentHost,
  DEFAULT_CHROMIUM,
  ensureChromium,
  planChromium,
  type RunCommand,
} from "./ensure-chromium";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory holding only an `apt-get` script; `install` creates `installs` (standing in for Chromium). */
function fakeApt(exitCode = 0) {
  const dir = mkdtempSync(join(tmpdir(), "fake-apt-"));
  dirs.push(dir);
  const calls = join(dir, "calls.txt");
  const installs = join(dir, "chromium");
  writeFileSync(
    join(dir, "apt-get"),
    [
      "#!/bin/sh",
      `echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> "${calls}"`,
      `if [ "$1" = install ]; then touch "${installs}"; fi`,
      `exit ${exitCode}`,
      "",
    ].join("\n"),
  );
  chmodSync(join(dir, "apt-get"), 0o755);
  return {
    dir,
    calls: () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : []),
    installs,
  };
}

const spawnRun: RunCommand = async (cmd, env) => {
  const proc = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdout: "ignore", stderr: "ignore" });
  return proc.exited;
};

describe("planChromium", () => {
  const base = { path: DEFAULT_CHROMIUM, exists: () => false, isRoot: true, aptGet: "/usr/bin/apt-get" };

  test("does nothing when the executable is there", () => {
    expect(planChromium({ ...base, exists: () => true })).toEqual({
      kind: "present",
      path: DEFAULT_CHROMIUM,
    });
  });

  test("installs Debian's chromium with apt-get as root, as .ci/run used to", () => {
    expect(planChromium(base)).toEqual({
      kind: "install",
      path: DEFAULT_CHROMIUM,
      commands: [
        ["/usr/bin/apt-get", "update", "-q"],
        ["/usr/bin/apt-get", "install", "-y", "-q", "chromium"],
      ],
    });
  });

  test.each([
    [{ isRoot: false }, "installing it needs root"],
    [{ aptGet: null }, "apt-get is not available"],
    [{ path: "/opt/chrome/chrome" }, "CHROMIUM_PATH is /opt/chrome/chrome, which does not exist"],
  ])("otherwise says exactly what to install (%j)", (change, why) => {
    const plan = planChromium({ ...base, ...change });
    expect(plan.kind).toBe("unavailable");
    if (plan.kind !== "unavailable") return;
    expect(plan.message).toContain(why);
    expect(plan.message).toContain("apt-get update && apt-get install -y chromium");
    expect(plan.message).toContain("CHROMIUM_PATH");
    expect(plan.message).toContain("--skip-browser");
  });
});

describe("ensureChromium", () => {
  test("finds apt-get on PATH and installs non-interactively until the executable exists", async () => {
    const apt = fakeApt();
    const host = { ...currentHost({ PATH: apt.dir }), exists: () => existsSync(apt.installs), isRoot: true };
    expect(host.aptGet).toBe(join(apt.dir, "apt-get"));
    expect(await ensureChromium(host, spawnRun)).toBeNull();
    expect(apt.calls()).toEqual([
      "DEBIAN_FRONTEND=noninteractive update -q",
      "DEBIAN_FRONTEND=noninteractive install -y -q chromium",
    ]);
    // Present now: a second run installs nothing.
    expect(await ensureChromium(host, spawnRun)).toBeNull();
    expect(apt.calls()).toHaveLength(2);
  });

  test("a failing apt-get is reported, and nothing is pretended", async () => {
    const apt = fakeApt(100);
    const host = { ...currentHost({ PATH: apt.dir }), exists: () => existsSync(apt.installs), isRoot: true };
    const problem = await ensureChromium(host, spawnRun);
    expect(problem).toContain("update -q` exited with 100");
    expect(apt.calls()).toHaveLength(1);
  });

  test("an install that leaves the executable missing is reported", async () => {
    const apt = fakeApt();
    const host = { ...currentHost({ PATH: apt.dir }), exists: () => false, isRoot: true };
    expect(await ensureChromium(host, spawnRun)).toContain("still missing");
  });

  test("without apt-get on PATH, nothing runs and the answer says what to install", async () => {
    const empty = mkdtempSync(join(tmpdir(), "no-apt-"));
    dirs.push(empty);
    const host = { ...currentHost({ PATH: empty }), exists: () => false, isRoot: true };
    expect(host.aptGet).toBeNull();
    let ran = 0;
    const problem = await ensureChromium(host, async () => ++ran);
    expect(ran).toBe(0);
    expect(problem).toContain("apt-get is not available");
  });

  test("CHROMIUM_PATH replaces the default", () => {
    expect(currentHost({ PATH: "", CHROMIUM_PATH: "/opt/chrome/chrome" }).path).toBe("/opt/chrome/chrome");
    expect(currentHost({ PATH: "" }).path).toBe(DEFAULT_CHROMIUM);
  });
});
