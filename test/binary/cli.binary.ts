// The compiled binary's command line: help, version, rejected configuration, the healthcheck subcommand
// with no server. Run by `bun run test` after the build (see scripts/check.ts).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json";
import { makeSandbox, runToExit, type Sandbox } from "./binary-harness";

let sandbox: Sandbox;
beforeAll(() => {
  sandbox = makeSandbox();
});
afterAll(() => sandbox.remove());

/** Every setting (the product contract's and two more), as [flag, environment variable, default shown in --help]. */
const OPTIONS: [flag: string, env: string, shownDefault: string | undefined][] = [
  ["--port", "INBOX_PORT", "3000"],
  ["--host", "INBOX_HOST", "0.0.0.0"],
  ["--data-dir", "INBOX_DATA_DIR", "./data"],
  ["--admin-key", "INBOX_ADMIN_KEY", undefined],
  ["--retry-schedule", "INBOX_RETRY_SCHEDULE", "0,30s,2m,8m,32m,2h"],
  ["--timeout", "INBOX_TIMEOUT", "10s"],
  ["--concurrency", "INBOX_CONCURRENCY", "256"],
  ["--webhook-concurrency", "INBOX_WEBHOOK_CONCURRENCY", "64"],
  ["--retention", "INBOX_RETENTION", "30d"],
  ["--max-body", "INBOX_MAX_BODY", "256KiB"],
  ["--allow-private-targets", "INBOX_ALLOW_PRIVATE_TARGETS", "false"],
  ["--log-level", "INBOX_LOG_LEVEL", "info"],
  ["--retry-after-cap", "INBOX_RETRY_AFTER_CAP", "1h"],
  ["--shutdown-grace", "INBOX_SHUTDOWN_GRACE", "10s"],
  ["--max-webhooks-per-account", "INBOX_MAX_WEBHOOKS_PER_ACCOUNT", "100"],
  ["--max-deliveries-per-publish", "INBOX_MAX_DELIVERIES_PER_PUBLISH", "10000"],
  ["--account-concurrency", "INBOX_ACCOUNT_CONCURRENCY", "a quarter of the overall concurrency"],
];

/** The part of the help text about one flag: from its line up to the next line that starts another flag. */
function helpEntry(help: string, flag: string): string {
  const lines = help.split("\n");
  const start = lines.findIndex((l) => new RegExp(`^\\s*${flag}(?![\\w-])`).test(l));
  if (start < 0) return "";
  let end = start + 1;
  while (end < lines.length && !/^\s*--[a-z]/.test(lines[end] ?? "")) end++;
  return lines.slice(start, end).join("\n");
}

describe("--help", () => {
  test("lists every option with its environment variable and default, and exits 0", async () => {
    const { code, stdout } = await runToExit(sandbox, ["--help"]);
    expect(code).toBe(0);
    for (const [flag, env, shownDefault] of OPTIONS) {
      const entry = helpEntry(stdout, flag);
      expect(entry, `--help has no entry for ${flag}`).not.toBe("");
      expect(entry).toContain(env);
      if (shownDefault !== undefined) expect(entry).toContain(shownDefault);
    }
    expect(stdout).toContain("healthcheck");
  });

  test("starts nothing and creates no data directory", async () => {
    await runToExit(sandbox, ["--help"]);
    expect(existsSync(join(sandbox.dir, "data"))).toBe(false);
  });
});

describe("--version", () => {
  test("prints the package version and exits 0", async () => {
    const { code, stdout } = await runToExit(sandbox, ["--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`inbox-webhooks ${pkg.version}`);
  });
});

describe("invalid configuration", () => {
  const cases: [what: string, args: string[], env: Record<string, string>, named: RegExp][] = [
    ["a non-numeric --port", ["--port", "abc"], {}, /--port|INBOX_PORT/],
    ["an out-of-range INBOX_PORT", [], { INBOX_PORT: "70000" }, /INBOX_PORT/],
    ["a malformed INBOX_RETRY_SCHEDULE", [], { INBOX_RETRY_SCHEDULE: "xx" }, /INBOX_RETRY_SCHEDULE/],
    ["a malformed --timeout", ["--timeout", "soon"], {}, /--timeout|INBOX_TIMEOUT/],
    ["a malformed INBOX_MAX_BODY", [], { INBOX_MAX_BODY: "big" }, /INBOX_MAX_BODY/],
    ["an unknown INBOX_LOG_LEVEL", [], { INBOX_LOG_LEVEL: "chatty" }, /INBOX_LOG_LEVEL/],
    ["an unknown flag", ["--no-such-flag"], {}, /no-such-flag/],
    [
      "a database URL that is not PostgreSQL's",
      [],
      { INBOX_DATABASE_URL: "mysql://u:hunter2@db/x" },
      /INBOX_DATABASE_URL/,
    ],
    ["a malformed --lease-margin", ["--lease-margin", "10"], {}, /--lease-margin/],
    ["a malformed --replica-id", ["--replica-id", "a b"], {}, /--replica-id/],
  ];
  for (const [what, args, env, named] of cases) {
    test(`${what} exits non-zero with a message naming it`, async () => {
      const { code, stdout, stderr } = await runToExit(sandbox, args, env);
      expect(code).not.toBe(0);
      expect(stderr).toMatch(named);
      // Refused before anything starts: no log lines, no data directory; never a password.
      expect(stdout).toBe("");
      expect(stderr).not.toContain("hunter2");
      expect(existsSync(join(sandbox.dir, "data"))).toBe(false);
    });
  }
});

describe("healthcheck subcommand", () => {
  test("exits 1 when no server answers", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = listener.port;
    listener.stop(true);
    const { code, stderr } = await runToExit(sandbox, ["healthcheck", "--port", String(port)]);
    expect(code).toBe(1);
    expect(stderr).toContain(`127.0.0.1:${port}/health`);
  });

  test("exits 1 within its 2 s bound when the server never answers", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Promise<Response>(() => {}),
    });
    try {
      const started = Date.now();
      const { code } = await runToExit(sandbox, ["healthcheck", "--port", String(server.port)]);
      expect(code).toBe(1);
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      server.stop(true);
    }
  });
});
