// LMDB store: one writer process per data directory, and schema versions.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOCK_FILE } from "../../src/storage/lmdb/data-dir-lock";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { CURRENT_SCHEMA_VERSION, SchemaVersionError } from "../../src/storage/lmdb/schema";
import { StoreLockedError } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { tempDirsAfterEach } from "./support/temp-dirs";

const STORE_MODULE = join(import.meta.dir, "../../src/storage/lmdb/lmdb-store.ts");
const LOGGER_MODULE = join(import.meta.dir, "../support/silent-logger.ts");

const tempDir = tempDirsAfterEach("inbox-lock-");

/** Opens the store in a separate `bun -e` process; answers what it saw. */
async function openInOtherProcess(
  dataDir: string,
): Promise<{ ok: boolean; error?: string; pid?: number | null }> {
  const code = `
    import { openLmdbStore } from ${JSON.stringify(STORE_MODULE)};
    import { silentLogger } from ${JSON.stringify(LOGGER_MODULE)};
    try {
      const store = await openLmdbStore({ dataDir: ${JSON.stringify(dataDir)}, logger: silentLogger });
      await store.meta.set("opened_by", String(process.pid));
      await store.close();
      console.log(JSON.stringify({ ok: true }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, error: e.name, pid: e.pid ?? null }));
    }`;
  const child = Bun.spawn(["bun", "-e", code], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  await child.exited;
  const line = out.trim().split("\n").at(-1) ?? "";
  if (!line.startsWith("{")) throw new Error(`child failed: ${out} ${err}`);
  return JSON.parse(line);
}

/** A pid that certainly belongs to no live process: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = Bun.spawn(["true"]);
  await child.exited;
  return child.pid;
}

describe("lmdb store: single writer", () => {
  test("a second process gets StoreLockedError while the first holds the directory, and opens after", async () => {
    const dataDir = tempDir();
    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    await store.meta.set("opened_by", "first");
    expect(readFileSync(join(dataDir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));

    expect(await openInOtherProcess(dataDir)).toEqual({
      ok: false,
      error: "StoreLockedError",
      pid: process.pid,
    });
    expect(await store.meta.get("opened_by")).toBe("first"); // the store is still ours and intact

    await store.close();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    expect(await openInOtherProcess(dataDir)).toEqual({ ok: true });
    const again = await openLmdbStore({ dataDir, logger: silentLogger });
    expect(await again.meta.get("opened_by")).not.toBe("first");
    await again.close();
  });

  test("after a writer is killed mid-flight, its flushed writes survive and its lock is taken over", async () => {
    const dataDir = tempDir();
    const code = `
      import { openLmdbStore } from ${JSON.stringify(STORE_MODULE)};
      import { silentLogger } from ${JSON.stringify(LOGGER_MODULE)};
      const store = await openLmdbStore({ dataDir: ${JSON.stringify(dataDir)}, logger: silentLogger });
      for (let i = 0; i < 200; i++) await store.meta.set("k" + i, String(i));
      await store.flushed();
      console.log("flushed");
      for (let i = 0;; i++) await store.meta.set("late" + i, "x"); // still writing when killed
    `;
    const child = Bun.spawn(["bun", "-e", code], { stdout: "pipe", stderr: "pipe" });
    const reader = child.stdout.getReader();
    let seen = "";
    while (!seen.includes("flushed")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`child ended early: ${await new Response(child.stderr).text()}`);
      seen += new TextDecoder().decode(value);
    }
    await Bun.sleep(50);
    child.kill("SIGKILL");
    await child.exited;
    expect(readFileSync(join(dataDir, LOCK_FILE), "utf8").trim()).toBe(String(child.pid));

    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    for (let i = 0; i < 200; i++) expect(await store.meta.get(`k${i}`)).toBe(String(i));
    await store.close();
  });

  test("the same process cannot open one directory twice", async () => {
    const dataDir = tempDir();
    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    const second = openLmdbStore({ dataDir, logger: silentLogger });
    await expect(second).rejects.toBeInstanceOf(StoreLockedError);
    await expect(second).rejects.toThrow(/in use by another process/);
    await store.close();
  });

  test("a stale lock from a dead process is taken over", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, LOCK_FILE), `${await deadPid()}\n`);
    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    expect(readFileSync(join(dataDir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    await store.close();
  });

  test("a lock with this pid that this process never took (a restarted container) is stale", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, LOCK_FILE), `${process.pid}\n`);
    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    await store.close();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  test("an unreadable lock file is not guessed at: the directory counts as locked", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, LOCK_FILE), "not a pid");
    await expect(openLmdbStore({ dataDir, logger: silentLogger })).rejects.toBeInstanceOf(StoreLockedError);
  });
});

describe("lmdb store: schema version", () => {
  test("a fresh store records the current version, and a reopen keeps it", async () => {
    const dataDir = tempDir();
    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    expect(await store.meta.get("schema_version")).toBe(String(CURRENT_SCHEMA_VERSION));
    await store.close();
    const again = await openLmdbStore({ dataDir, logger: silentLogger });
    expect(await again.meta.get("schema_version")).toBe(String(CURRENT_SCHEMA_VERSION));
    await again.close();
  });

  test("a store written by a newer build is refused with a clear error, and the lock released", async () => {
    const dataDir = tempDir();
    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    await store.meta.set("schema_version", String(CURRENT_SCHEMA_VERSION + 1));
    await store.close();
    const opening = openLmdbStore({ dataDir, logger: silentLogger });
    await expect(opening).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(opening).rejects.toThrow(/newer than this build supports/);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  test("migrations above the stored version run in order, once, on open", async () => {
    const dataDir = tempDir();
    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    await store.close();
    const ran: number[] = [];
    const [next, last] = [CURRENT_SCHEMA_VERSION + 1, CURRENT_SCHEMA_VERSION + 2];
    const schema = {
      version: last,
      migrations: [last, next].map((version) => ({
        version,
        description: `to ${version}`,
        up: (dbs: import("../../src/storage/lmdb/lmdb-databases").Databases) => {
          ran.push(version);
          dbs.meta.putSync(`migrated_${version}`, "yes");
        },
      })),
    };
    const upgraded = await openLmdbStore({ dataDir, logger: silentLogger, schema });
    expect(ran).toEqual([next, last]);
    expect(await upgraded.meta.get("schema_version")).toBe(String(last));
    expect(await upgraded.meta.get(`migrated_${next}`)).toBe("yes");
    await upgraded.close();
    const again = await openLmdbStore({ dataDir, logger: silentLogger, schema });
    expect(ran).toEqual([next, last]);
    await again.close();
    // Going back to a build that knows only the current version is refused.
    await expect(openLmdbStore({ dataDir, logger: silentLogger })).rejects.toBeInstanceOf(SchemaVersionError);
  });
});
