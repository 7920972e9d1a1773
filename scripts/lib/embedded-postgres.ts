// A private PostgreSQL cluster for tests, `bun run test` and the bench, from the npm package's binaries:
// no service installed beforehand. Each cluster lives in its own /tmp/inbox-pg-cluster-* directory, listens
// on 127.0.0.1 only (no unix socket) and trusts every local connection: never expose it.
// Guarantees: start() answers only once `SELECT 1` works; stop() ends the postmaster by pid and removes the
// directory. down() and up() stop and restart the server on the same port and data (outage tests). A cluster whose owner died without stopping it (SIGKILL) is stopped and removed by the next
// start(), found through the directory's harness.json ({ ownerPid, pid }).

import { mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SQL, type Subprocess } from "bun";
import { freePort } from "./free-port";
import { postgresBinaries, type RunAs } from "./postgres-binaries";

export interface PostgresOptions {
  /** true: PostgreSQL's durable defaults (the bench). false: fsync and synchronous commit off (tests). */
  durable: boolean;
  /** Default 200. */
  maxConnections?: number;
  /** More server settings (`-c name=value`), e.g. { shared_preload_libraries: "pg_stat_statements" }. */
  settings?: Record<string, string>;
}

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication). */
  readonly url: string;
  /** The postmaster's pid, for CPU figures (a new one after up()). */
  readonly pid: number;
  /** Fast shutdown of the server (clients are disconnected, the port closes); the data stays. */
  down(): Promise<void>;
  /** Starts the server again after down(), on the same port; answers once `SELECT 1` works. */
  up(): Promise<void>;
  /** Ends the server and removes its directory; idempotent. */
  stop(): Promise<void>;
}

/** How to (re)start one cluster's server. */
interface Postmaster {
  cmd: string[];
  url: string;
  dir: string;
  runAs: RunAs;
}

const PREFIX = "/tmp/inbox-pg-cluster-";
const READY_MS_MAX = 30_000;
const STOP_MS_MAX = 15_000;

export async function startPostgres(options: PostgresOptions): Promise<PostgresCluster> {
  await sweepOrphans();
  const bin = await postgresBinaries();
  const dir = mkdtempSync(PREFIX);
  try {
    writeFileSync(join(dir, "harness.json"), JSON.stringify({ ownerPid: process.pid, pid: null }));
    if (bin.runAs !== null) giveTo(bin.runAs, dir);
    await initdb(bin.native, dir, bin.runAs);
    return await launch(bin.native, dir, bin.runAs, options);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function giveTo(runAs: { uid: number; gid: number }, dir: string): void {
  const chown = Bun.spawnSync(["chown", `${runAs.uid}:${runAs.gid}`, dir]);
  if (chown.exitCode !== 0) throw new Error(`chown ${dir} failed: ${chown.stderr}`);
}

function spawnOptions(dir: string, runAs: RunAs, log: string) {
  const out = Bun.file(join(dir, log));
  return {
    cwd: dir,
    stdin: "ignore",
    stdout: out,
    stderr: out,
    env: { LC_ALL: "C" },
    ...(runAs ?? {}),
  } as const;
}

async function initdb(native: string, dir: string, runAs: RunAs): Promise<void> {
  const args = ["-D", join(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"];
  args.push("--no-sync"); // throwaway clusters: initdb's own fsync is wasted time
  const proc = Bun.spawn([join(native, "bin", "initdb"), ...args], spawnOptions(dir, runAs, "initdb.log"));
  if ((await proc.exited) !== 0) throw new Error(`initdb failed:\n${logTail(dir, "initdb.log")}`);
}

/** Starts the postmaster on a free port; a port taken between the probe and the bind gets two more tries. */
async function launch(native: string, dir: string, runAs: RunAs, options: PostgresOptions) {
  for (let attempt = 1; ; attempt++) {
    const port = freePort();
    const settings = {
      listen_addresses: "127.0.0.1",
      unix_socket_directories: "",
      max_connections: String(options.maxConnections ?? 200),
      ...(options.durable ? {} : { fsync: "off", synchronous_commit: "off", full_page_writes: "off" }),
      ...(roomyDevShm() ? {} : { dynamic_shared_memory_type: "mmap" }),
      ...options.settings,
    };
    const args = Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]);
    const cmd = [join(native, "bin", "postgres"), "-D", join(dir, "data"), "-p", String(port), ...args];
    const postmaster = { cmd, url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, runAs };
    const proc = spawnPostmaster(postmaster);
    if (await ready(postmaster.url, proc)) return cluster(postmaster, proc);
    await halt(proc.pid, proc.exited);
    const log = logTail(dir, "postgres.log");
    if (attempt >= 3 || !log.includes("could not bind")) throw new Error(`PostgreSQL did not start:\n${log}`);
  }
}

function spawnPostmaster(p: Postmaster): Subprocess {
  const proc = Bun.spawn(p.cmd, spawnOptions(p.dir, p.runAs, "postgres.log"));
  writeFileSync(join(p.dir, "harness.json"), JSON.stringify({ ownerPid: process.pid, pid: proc.pid }));
  return proc;
}

function cluster(postmaster: Postmaster, first: Subprocess): PostgresCluster {
  let proc = first;
  let isDown = false;
  // Best effort if the owner exits without stop(): fast shutdown; the next start() removes the directory.
  const onExit = () => proc.kill("SIGINT");
  process.once("exit", onExit);
  let stopped: Promise<void> | undefined;
  const stop = async () => {
    process.off("exit", onExit);
    await halt(proc.pid, proc.exited);
    rmSync(postmaster.dir, { recursive: true, force: true });
  };
  return {
    url: postmaster.url,
    get pid() {
      return proc.pid;
    },
    down: async () => {
      isDown = true;
      await halt(proc.pid, proc.exited);
    },
    up: async () => {
      if (!isDown || stopped !== undefined) return;
      proc = spawnPostmaster(postmaster);
      if (!(await ready(postmaster.url, proc))) {
        throw new Error(`PostgreSQL did not start again:\n${logTail(postmaster.dir, "postgres.log")}`);
      }
      isDown = false;
    },
    stop: () => (stopped ??= stop()),
  };
}

/**
 * PostgreSQL's dynamic shared memory (parallel queries) lives in /dev/shm by default, which containers often
 * cap at 64 MB: below 256 MB free, it goes to files in the data directory instead.
 */
function roomyDevShm(): boolean {
  try {
    const fs = statfsSync("/dev/shm");
    return fs.bavail * fs.bsize >= 256 * 1024 * 1024;
  } catch {
    return false;
  }
}

async function ready(url: string, proc: Subprocess): Promise<boolean> {
  const deadline = Date.now() + READY_MS_MAX;
  while (Date.now() < deadline && proc.exitCode === null && proc.signalCode === null) {
    const sql = new SQL({ url, max: 1, connectionTimeout: 1 });
    try {
      await sql`SELECT 1`;
      return true;
    } catch {
      await Bun.sleep(50);
    } finally {
      await sql.close();
    }
  }
  return false;
}

/** SIGINT (fast shutdown: rolls back, disconnects, checkpoints), then SIGKILL if it takes too long. */
async function halt(pid: number, exited: Promise<unknown>): Promise<void> {
  if (!signal(pid, "SIGINT")) return;
  const timer = Bun.sleep(STOP_MS_MAX).then(() => "late");
  if ((await Promise.race([exited.then(() => "done"), timer])) === "late") signal(pid, "SIGKILL");
  await exited;
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false; // ESRCH: already gone
  }
}

function logTail(dir: string, log: string): string {
  try {
    return readFileSync(join(dir, log), "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Stops and removes clusters whose owner process is gone. A recorded pid is signalled only if it is still a
 * postgres process using that directory, so a reused pid is never hit. */
async function sweepOrphans(): Promise<void> {
  for (const name of readdirSync("/tmp")) {
    const dir = `/tmp/${name}`;
    if (!dir.startsWith(PREFIX)) continue;
    let record: { ownerPid: number; pid: number | null };
    try {
      record = JSON.parse(readFileSync(join(dir, "harness.json"), "utf8"));
    } catch {
      continue; // being created right now, or not ours
    }
    if (alive(record.ownerPid)) continue;
    if (record.pid !== null && isPostmasterOf(record.pid, dir)) await haltOrphan(record.pid, dir);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // another user's leftover: theirs to remove
    }
  }
}

/** True while `pid` exists, including another user's process (EPERM). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** SIGQUIT (immediate shutdown: the data is throwaway), SIGKILL if it is still there after the stop limit. */
async function haltOrphan(pid: number, dir: string): Promise<void> {
  signal(pid, "SIGQUIT");
  const deadline = Date.now() + STOP_MS_MAX;
  while (isPostmasterOf(pid, dir)) {
    if (Date.now() > deadline) signal(pid, "SIGKILL");
    await Bun.sleep(20);
  }
}

function isPostmasterOf(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(join(dir, "data"));
  } catch {
    return false;
  }
}
