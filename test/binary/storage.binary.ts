// The compiled binary and its data directory: a damaged data file is refused with exit code 3 and a
// message (no crash, no new keys, the file untouched); `backup` copies the store while the server runs
// and a publisher writes, and a server started on the restored copy has everything; a full disk is a
// 507 and a degraded /health, nothing answered 202 is lost, and publishing resumes when space returns.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { mountSmallDisk, type SmallDisk, smallDiskUnavailable } from "../support/small-disk";
import {
  api,
  eventually,
  makeSandbox,
  parseFirstStartKeys,
  type RunningServer,
  runToExit,
  type Sandbox,
  startServer,
} from "./binary-harness";

const EXIT_STORE_DAMAGED = 3;
const READ_DATA = {
  message_id: "msg_1234567890",
  to: "+15551234567",
  read_at: "2025-01-15T10:25:15Z",
  device_id: "dev_abcdef123456",
};

let sandbox: Sandbox;
beforeAll(() => {
  sandbox = makeSandbox();
});
afterAll(() => sandbox.remove());

let dirs = 0;
function dataDir(): string {
  return join(sandbox.dir, `data-${++dirs}`);
}

interface Populated {
  dir: string;
  file: string;
  key: string;
  webhookId: string;
  eventIds: string[];
}

/** First start in a new data directory, a webhook and `events` events, then a clean stop. */
async function populated(events = 30): Promise<Populated> {
  const dir = dataDir();
  const server = await startServer(sandbox, ["--data-dir", dir]);
  const key = parseFirstStartKeys(server.stderr()).apiKey as string;
  const webhookId = await createWebhook(server, key);
  const eventIds: string[] = [];
  for (let i = 0; i < events; i++) eventIds.push(await publish(server, key));
  expect(await server.stop()).toBe(0);
  return { dir, file: join(dir, "inbox.mdb"), key, webhookId, eventIds };
}

async function createWebhook(server: { url: string }, key: string): Promise<string> {
  const res = await api(server, key, "POST", "/v1/webhooks", {
    url: "https://hooks.example.com/inbox",
    events: ["*"],
  });
  expect(res.status).toBe(201);
  return (res.body as { id: string }).id;
}

async function publish(server: { url: string }, key: string, data: object = READ_DATA): Promise<string> {
  const res = await api(server, key, "POST", "/v1/events", { type: "message.read", data });
  expect(res.status).toBe(202);
  return (res.body as { id: string }).id;
}

/** Every event id of the key's account, through the API's pages. */
async function listedEventIds(server: { url: string }, key: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  do {
    const query = `?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await api(server, key, "GET", `/v1/events${query}`);
    expect(res.status).toBe(200);
    const page = res.body as { data: Array<{ id: string }>; next_cursor: string | null };
    for (const e of page.data) ids.add(e.id);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return ids;
}

describe("a damaged data file is refused with exit code 3, never a crash or a new store", () => {
  const damages: Array<[what: string, damage: (file: string) => void, message: RegExp]> = [
    [
      "a 0-byte inbox.mdb after a first start",
      (f) => truncateSync(f, 0),
      /the data file is empty \(0 bytes\)/,
    ],
    [
      "a truncated inbox.mdb",
      (f) => truncateSync(f, Math.floor(statSync(f).size / 2 / 4096) * 4096),
      /the file is truncated: \d+ bytes, but its meta page records \d+/,
    ],
    [
      "an inbox.mdb whose first pages are zeroed",
      (f) => {
        const bytes = readFileSync(f);
        bytes.fill(0, 0, 16 * 1024);
        writeFileSync(f, bytes);
      },
      /the first meta page \(page 0\) is not a valid LMDB meta page/,
    ],
  ];

  for (const [what, damage, message] of damages) {
    test(what, async () => {
      const store = await populated(40);
      damage(store.file);
      const before = readFileSync(store.file);
      const run = await runToExit(sandbox, ["--data-dir", store.dir, "--port", "0", "--host", "127.0.0.1"]);
      expect(run.code).toBe(EXIT_STORE_DAMAGED);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain(store.file);
      expect(run.stderr).toContain('Restore the data file from a backup (see README, "Operations")');
      expect(run.stderr).not.toMatch(/first start|admin key|default account key/);
      expect(run.stderr).not.toMatch(/panic|Bus error|Segmentation/);
      expect(readFileSync(store.file).equals(before)).toBe(true);
    });
  }

  test("a missing inbox.mdb in an initialised directory", async () => {
    const store = await populated(1);
    rmSync(store.file);
    const run = await runToExit(sandbox, ["--data-dir", store.dir, "--port", "0", "--host", "127.0.0.1"]);
    expect(run.code).toBe(EXIT_STORE_DAMAGED);
    expect(run.stderr).toMatch(/the data file is missing, but this directory holds store [0-9a-f-]{36}/);
    expect(run.stderr).not.toMatch(/default account key/);
    expect(existsSync(store.file)).toBe(false);
  });
});

describe("backup and restore", () => {
  test("a backup taken while the server runs and a publisher writes restores into a new directory", async () => {
    const dir = dataDir();
    const server = await startServer(sandbox, ["--data-dir", dir]);
    const keys = parseFirstStartKeys(server.stderr());
    const key = keys.apiKey as string;
    const webhookId = await createWebhook(server, key);
    const before: string[] = [];
    for (let i = 0; i < 50; i++) before.push(await publish(server, key));

    // A publisher keeps writing while the backup runs.
    let publishing = true;
    const during: string[] = [];
    const publisher = (async () => {
      while (publishing) during.push(await publish(server, key));
    })();
    await eventually(() => (during.length >= 5 ? true : undefined));
    const target = join(sandbox.dir, "backups", "inbox-backup.mdb");
    mkdirSync(join(sandbox.dir, "backups"), { recursive: true });
    const backup = await runToExit(sandbox, ["backup", target, "--data-dir", dir]);
    publishing = false;
    await publisher;
    expect(backup.stderr).toBe("");
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(new RegExp(`^backup written: ${target} \\((\\d+) bytes`));
    expect(backup.stdout).toMatch(/1 accounts, 1 webhooks, \d+ events/);
    const written = Number(/\((\d+) bytes/.exec(backup.stdout)?.[1]);
    expect(statSync(target).size).toBe(written);
    expect(existsSync(`${target}-lock`)).toBe(false);

    // The server was not disturbed: it still takes writes and stops cleanly.
    const after = await publish(server, key);
    expect(await server.stop()).toBe(0);

    // Refuses to overwrite the backup.
    const again = await runToExit(sandbox, ["backup", target, "--data-dir", dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists; refusing to overwrite it");
    expect(statSync(target).size).toBe(written);

    // Restore into a new data directory: copy the file in as inbox.mdb and start.
    const restored = dataDir();
    mkdirSync(restored);
    copyFileSync(target, join(restored, "inbox.mdb"));
    const second = await startServer(sandbox, ["--data-dir", restored]);
    try {
      expect(second.stderr()).not.toMatch(/first start|default account key/);
      const webhook = await api(second, key, "GET", `/v1/webhooks/${webhookId}`);
      expect(webhook.status).toBe(200);
      const ids = await listedEventIds(second, key);
      for (const id of before) expect(ids.has(id)).toBe(true);
      // A consistent snapshot: a prefix of the publishes made during the backup, never the one after.
      const inCopy = during.filter((id) => ids.has(id));
      expect(during.slice(0, inCopy.length)).toEqual(inCopy);
      expect(ids.has(after)).toBe(false);
      expect(ids.size).toBe(before.length + inCopy.length);
      // The restored store takes writes and the admin key still works.
      await publish(second, key);
      expect((await api(second, keys.adminKey as string, "GET", "/v1/accounts")).status).toBe(200);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  test("backing up a directory with no store fails and writes nothing", async () => {
    const target = join(sandbox.dir, "nothing.mdb");
    const run = await runToExit(sandbox, ["backup", target, "--data-dir", join(sandbox.dir, "no-such-dir")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("there is no store to back up");
    expect(existsSync(target)).toBe(false);
  });

  test("backing up a damaged store exits 3 instead of crashing", async () => {
    const store = await populated(5);
    truncateSync(store.file, 0);
    const target = join(sandbox.dir, "damaged.mdb");
    const run = await runToExit(sandbox, ["backup", target, "--data-dir", store.dir]);
    expect(run.code).toBe(EXIT_STORE_DAMAGED);
    expect(run.stderr).toMatch(/the data file is empty/);
    expect(existsSync(target)).toBe(false);
  });
});

describe.skipIf(smallDiskUnavailable !== undefined)(
  `a full disk${smallDiskUnavailable ? `: skipped, ${smallDiskUnavailable}` : ""}`,
  () => {
    let disk: SmallDisk;
    beforeAll(() => {
      disk = mountSmallDisk(160);
    });
    afterAll(() => disk.remove());

    test("507 and degraded /health while full; nothing answered 202 is lost; resumes when space returns", async () => {
      const dir = join(disk.dir, "data");
      let server: RunningServer = await startServer(sandbox, ["--data-dir", dir]);
      const key = parseFirstStartKeys(server.stderr()).apiKey as string;
      await createWebhook(server, key);
      // Leave a little more than the 64 MiB reserve free, then publish until refused.
      disk.fill(64 * 1024 * 1024 + 3 * 1024 * 1024);

      const accepted: string[] = [];
      let refusal: { status: number; body: unknown } | undefined;
      const big = { ...READ_DATA, message_id: `msg_${"x".repeat(60_000)}` };
      for (let i = 0; i < 500 && !refusal; i++) {
        const res = await api(server, key, "POST", "/v1/events", { type: "message.read", data: big });
        if (res.status === 202) accepted.push((res.body as { id: string }).id);
        else refusal = res;
      }
      expect(accepted.length).toBeGreaterThan(0);
      expect(refusal?.status).toBe(507);
      expect(refusal?.body).toMatchObject({ error: { code: "storage_full" } });
      expect(
        (await api(server, key, "POST", "/v1/events", { type: "message.read", data: READ_DATA })).status,
      ).toBe(507);

      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "degraded", reason: "storage_full" });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^inbox_store_full 1$/m);
      expect(metrics).toMatch(/^inbox_store_full_refused_commits_total [1-9]\d*$/m);
      // Reads go on while full.
      expect((await listedEventIds(server, key)).size).toBe(accepted.length);
      const healthcheck = await runToExit(sandbox, [
        "healthcheck",
        "--port",
        String(server.port),
        "--host",
        "127.0.0.1",
      ]);
      expect(healthcheck.code).toBe(0);

      // Space returns: health recovers by itself, with no write needed, and publishing works again.
      disk.free();
      await eventually(async () => {
        const body = (await (await fetch(`${server.url}/health`)).json()) as { status: string };
        return body.status === "ok" ? true : undefined;
      }, 10_000);
      accepted.push(await publish(server, key));

      const warnings = server.logs.filter((l) => l.level === "warn").map((l) => l.msg);
      expect(warnings.filter((m) => m.startsWith("storage full"))).toHaveLength(1);
      expect(warnings.filter((m) => m === "storage writable again")).toHaveLength(1);
      expect(server.logs.filter((l) => l.level === "error" && l.msg === "request failed")).toHaveLength(0);
      expect(await server.stop()).toBe(0);

      // Everything answered 202 is there after a restart.
      server = await startServer(sandbox, ["--data-dir", dir]);
      const ids = await listedEventIds(server, key);
      for (const id of accepted) expect(ids.has(id)).toBe(true);
      expect(ids.size).toBe(accepted.length);
      expect(await server.stop()).toBe(0);
    }, 60_000);
  },
);
