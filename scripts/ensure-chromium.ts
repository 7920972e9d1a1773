// The Chromium that the browser test (test/browser/swagger.browser.ts) drives, made present before
// it runs: `bun run test` must pass on a fresh Debian or Ubuntu machine that has only Node.js and npm.
// When the executable is missing and this process can install it (root, with apt-get), it installs
// Debian's `chromium` package; otherwise it says exactly what to install, and the step fails.
//
// CHROMIUM_PATH points at another Chromium or Chrome executable (the browser test reads it too).

import { existsSync } from "node:fs";

export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

export interface ChromiumHost {
  /** The executable the browser test will launch. */
  path: string;
  exists: (path: string) => boolean;
  isRoot: boolean;
  /** apt-get's path on PATH, or null. */
  aptGet: string | null;
}

export type ChromiumPlan =
  | { kind: "present"; path: string }
  | { kind: "install"; path: string; commands: string[][] }
  | { kind: "unavailable"; path: string; message: string };

/** What to do about Chromium on this host. Pure. */
export function planChromium(host: ChromiumHost): ChromiumPlan {
  const { path } = host;
  if (host.exists(path)) return { kind: "present", path };
  if (path === DEFAULT_CHROMIUM && host.isRoot && host.aptGet !== null) {
    return {
      kind: "install",
      path,
      commands: [
        [host.aptGet, "update", "-q"],
        [host.aptGet, "install", "-y", "-q", "chromium"],
      ],
    };
  }
  const why =
    path !== DEFAULT_CHROMIUM
      ? `CHROMIUM_PATH is ${path}, which does not exist`
      : host.aptGet === null
        ? `${path} is missing and apt-get is not available to install it`
        : `${path} is missing and installing it needs root`;
  return {
    kind: "unavailable",
    path,
    message: [
      `The browser test needs Chromium: ${why}.`,
      "Install it first, then run `bun run test` again:",
      "  Debian or Ubuntu, as root:  apt-get update && apt-get install -y chromium",
      "  elsewhere: install Chromium or Chrome and set CHROMIUM_PATH to its executable.",
      "To run every other check without it: bun run test --skip-browser",
    ].join("\n"),
  };
}

/** The host as it is: CHROMIUM_PATH (or the default), root or not, apt-get on PATH or not. */
export function currentHost(env: Record<string, string | undefined> = process.env): ChromiumHost {
  return {
    path: env.CHROMIUM_PATH || DEFAULT_CHROMIUM,
    exists: existsSync,
    isRoot: process.getuid?.() === 0,
    aptGet: Bun.which("apt-get", { PATH: env.PATH ?? "" }),
  };
}

export type RunCommand = (cmd: string[], env: Record<string, string>) => Promise<number>;

/**
 * Makes Chromium present when the plan allows, running each install command in turn (output streamed
 * by `run`). Answers null when Chromium is there afterwards, else why not.
 */
export async function ensureChromium(host: ChromiumHost, run: RunCommand): Promise<string | null> {
  const plan = planChromium(host);
  if (plan.kind === "present") return null;
  if (plan.kind === "unavailable") return plan.message;
  process.stdout.write(`${plan.path} is missing: installing Debian's chromium package with apt-get\n`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  for (const cmd of plan.commands) {
    let outcome: string;
    try {
      const code = await run(cmd, env);
      if (code === 0) continue;
      outcome = `exited with ${code}`;
    } catch (err) {
      outcome = `could not run: ${err instanceof Error ? err.message : String(err)}`;
    }
    return `\`${cmd.join(" ")}\` ${outcome}. Install Chromium by hand: apt-get update && apt-get install -y chromium`;
  }
  if (!host.exists(plan.path)) {
    return `apt-get installed chromium, but ${plan.path} is still missing; set CHROMIUM_PATH to its executable.`;
  }
  return null;
}
