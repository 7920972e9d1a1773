import { describe, expect, test } from "bun:test";
import { parseMigrateStoreArgs } from "./migrate-store-args";

const URL_ = "postgres://inbox:pw@db.internal:5432/inbox";

function error(argv: string[], env: Record<string, string> = {}): string {
  const parsed = parseMigrateStoreArgs(argv, env);
  if (parsed.kind !== "error") throw new Error(`expected an error, got ${parsed.kind}`);
  return parsed.message;
}

describe("migrate-store command line", () => {
  test("--to and --data-dir, as separate words or with =", () => {
    expect(parseMigrateStoreArgs(["--to", URL_, "--data-dir", "/var/lib/inbox"], {})).toEqual({
      kind: "run",
      args: { to: URL_, dataDir: "/var/lib/inbox" },
    });
    expect(parseMigrateStoreArgs([`--data-dir=/d`, `--to=${URL_}`], {})).toEqual({
      kind: "run",
      args: { to: URL_, dataDir: "/d" },
    });
  });

  test("defaults: INBOX_DATABASE_URL and INBOX_DATA_DIR, then ./data; flags win", () => {
    expect(parseMigrateStoreArgs([], { INBOX_DATABASE_URL: URL_ })).toEqual({
      kind: "run",
      args: { to: URL_, dataDir: "./data" },
    });
    expect(parseMigrateStoreArgs([], { INBOX_DATABASE_URL: URL_, INBOX_DATA_DIR: "/env" })).toMatchObject({
      args: { dataDir: "/env" },
    });
    const other = "postgresql://u@other/db";
    expect(
      parseMigrateStoreArgs(["--to", other, "--data-dir", "/flag"], {
        INBOX_DATABASE_URL: URL_,
        INBOX_DATA_DIR: "/env",
      }),
    ).toEqual({ kind: "run", args: { to: other, dataDir: "/flag" } });
  });

  test("--help anywhere wins, errors included", () => {
    for (const argv of [["--help"], ["-h"], ["--bogus", "--help"], ["--to", "x", "-h"]]) {
      const parsed = parseMigrateStoreArgs(argv, {});
      expect(parsed.kind).toBe("help");
      if (parsed.kind === "help")
        expect(parsed.text).toContain("migrate-store --to <url> [--data-dir <path>]");
    }
  });

  test("bad arguments are named", () => {
    expect(error([])).toBe("--to: missing: give the PostgreSQL database to copy to (postgres://…)");
    expect(error(["--to"])).toContain("--to: missing value");
    expect(error(["--to", URL_, "--data-dir"])).toBe("--data-dir: missing value");
    expect(error(["--to", URL_, "--data-dir", "--x"])).toBe("--data-dir: missing value\nunknown flag --x");
    expect(error(["--to", URL_, "--port", "1"])).toBe('unknown flag --port\nunexpected argument "1"');
    expect(error(["--to", URL_, "extra"])).toBe('unexpected argument "extra"');
    expect(error(["--to", URL_, "--data-dir="])).toBe("--data-dir: must be a directory path, got empty text");
    expect(error(["--to", "mysql://u:pw@h/db"])).toBe(
      '--to: must start with postgres:// or postgresql://, got a URL starting with "mysql:"',
    );
    expect(error([], { INBOX_DATABASE_URL: "not a url" })).toMatch(/^INBOX_DATABASE_URL: must be a URL/);
  });

  test("the password never appears in an error", () => {
    const message = error(["--to", "postgres://u:hunter2-secret@/db"]);
    expect(message).toStartWith("--to: must ");
    expect(message).not.toContain("hunter2-secret");
  });
});
