import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { SQL } from "bun";
import { startPostgres } from "./embedded-postgres";
import { testDatabase } from "./test-database";

/** Starting and stopping clusters on a machine shared with other work: generous. */
const TIMEOUT_MS = 60_000;

/** Running: present and not a zombie (an orphan's exit is reaped by init, a moment later). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** The cluster directory, read from the postmaster's command line (`-D <dir>/data`). */
function clusterDir(pid: number): string {
  const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  return (args[args.indexOf("-D") + 1] as string).replace(/\/data$/, "");
}

async function scalar(url: string, text: string): Promise<unknown> {
  const sql = new SQL({ url, max: 1 });
  try {
    const rows = await sql.unsafe(text);
    return rows[0] === undefined ? undefined : Object.values(rows[0] as object)[0];
  } finally {
    await sql.close();
  }
}

describe("embedded PostgreSQL", () => {
  test(
    "starts ready to query, as a non-root user, on 127.0.0.1; stop ends it by pid and removes its directory",
    async () => {
      const cluster = await startPostgres({ durable: false });
      const dir = clusterDir(cluster.pid);
      try {
        expect(cluster.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
        expect(await scalar(cluster.url, "SELECT current_setting('fsync')")).toBe("off");
        expect(await scalar(cluster.url, "SELECT current_setting('unix_socket_directories')")).toBe("");
        expect(await scalar(cluster.url, "SELECT current_setting('max_connections')")).toBe("200");
        const owner = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${cluster.pid}/status`, "utf8"))?.[1]);
        expect(owner).not.toBe(0);
      } finally {
        await cluster.stop();
      }
      expect(alive(cluster.pid)).toBe(false);
      expect(existsSync(dir)).toBe(false);
    },
    TIMEOUT_MS,
  );

  test(
    "a cluster whose owner was killed is stopped and removed by the next start",
    async () => {
      const script = `import { startPostgres } from ${JSON.stringify(`${import.meta.dir}/embedded-postgres.ts`)};
      const c = await startPostgres({ durable: true }); console.log(c.pid); await Bun.sleep(60_000);`;
      const owner = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" });
      const reader = owner.stdout.getReader();
      const first = await reader.read();
      const orphan = Number(new TextDecoder().decode(first.value).trim());
      const dir = clusterDir(orphan);
      owner.kill("SIGKILL");
      await owner.exited;
      expect(alive(orphan)).toBe(true);
      const next = await startPostgres({ durable: false });
      await next.stop();
      expect(alive(orphan)).toBe(false);
      expect(existsSync(dir)).toBe(false);
    },
    TIMEOUT_MS,
  );

  test(
    "down and up: the server goes away and comes back on the same URL with its data",
    async () => {
      const cluster = await startPostgres({ durable: false });
      try {
        await scalar(cluster.url, "CREATE TABLE kept AS SELECT 42 AS answer");
        const firstPid = cluster.pid;
        await cluster.down();
        expect(alive(firstPid)).toBe(false);
        await expect(scalar(cluster.url, "SELECT 1")).rejects.toThrow();
        await cluster.up();
        expect(cluster.pid).not.toBe(firstPid);
        expect(await scalar(cluster.url, "SELECT answer FROM kept")).toBe(42);
      } finally {
        await cluster.stop();
      }
      expect(alive(cluster.pid)).toBe(false);
    },
    TIMEOUT_MS,
  );

  test(
    "testDatabase on a shared server: a fresh database per call, dropped by close",
    async () => {
      const cluster = await startPostgres({ durable: false });
      try {
        const a = await testDatabase(cluster.url);
        const b = await testDatabase(cluster.url);
        const nameA = await scalar(a.url, "SELECT current_database()");
        expect(nameA).not.toBe(await scalar(b.url, "SELECT current_database()"));
        const open = new SQL({ url: a.url, max: 1 });
        await open`SELECT 1`; // a connection still open does not keep close() from dropping the database
        await a.close();
        await b.close();
        const left = await scalar(
          cluster.url,
          `SELECT count(*)::int FROM pg_database WHERE datname LIKE 'inbox_test_%'`,
        );
        expect(left).toBe(0);
        await open.close();
      } finally {
        await cluster.stop();
      }
    },
    TIMEOUT_MS,
  );
});
