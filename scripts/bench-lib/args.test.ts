import { describe, expect, test } from "bun:test";
import { parseBenchArgs, USAGE } from "./args";

function options(argv: string[]) {
  const parsed = parseBenchArgs(argv);
  if (parsed.kind !== "run") throw new Error(`expected options, got ${JSON.stringify(parsed)}`);
  return parsed.options;
}

function error(argv: string[]): string {
  const parsed = parseBenchArgs(argv);
  if (parsed.kind !== "error") throw new Error(`expected an error, got ${parsed.kind}`);
  return parsed.message;
}

describe("bench flags", () => {
  test("defaults follow the issue: 20,000 events, concurrency 64, one event per publish, compiled binary", () => {
    expect(options([])).toMatchObject({
      mode: "throughput",
      events: 20_000,
      concurrency: 64,
      batch: 1,
      fanout: 1,
      raw: true,
      rawConcurrency: 64,
      server: { kind: "binary", path: "dist/inbox-webhooks", build: true },
    });
  });

  test("--controls is off by default, on with the flag in any mode, and documented", () => {
    expect(options([]).controls).toBe(false);
    expect(options(["--controls"]).controls).toBe(true);
    expect(options(["--controls", "--rate", "1000", "--postgres"])).toMatchObject({
      controls: true,
      mode: "rate",
    });
    expect(USAGE).toContain("--controls");
  });

  test("modes", () => {
    expect(options(["--fanout", "10"])).toMatchObject({ mode: "throughput", fanout: 10 });
    expect(options(["--rate", "1000", "--events", "2000"])).toMatchObject({
      mode: "rate",
      rate: 1000,
      events: 2000,
    });
    expect(options(["--idle"]).mode).toBe("idle");
    expect(options(["--backlog", "1_000_000"])).toMatchObject({
      mode: "backlog",
      backlog: 1_000_000,
      fanout: 10,
      batch: 1000,
      concurrency: 4,
      events: 100_000,
    });
    expect(options(["--backlog", "25", "--fanout", "10"]).events).toBe(3);
  });

  test("server choice", () => {
    expect(options(["--source"]).server).toEqual({ kind: "source" });
    expect(options(["--binary", "/x/y"]).server).toEqual({ kind: "binary", path: "/x/y", build: false });
    expect(options(["--no-build"]).server).toEqual({
      kind: "binary",
      path: "dist/inbox-webhooks",
      build: false,
    });
    expect(error(["--source", "--binary", "x"])).toContain("--binary and --source");
    expect(error(["--source", "--no-build"])).toContain("--no-build");
  });

  test("server environment passes INBOX_* only", () => {
    expect(
      options(["--server-env", "INBOX_CONCURRENCY=128", "--server-env", "INBOX_TIMEOUT=5s"]).serverEnv,
    ).toEqual({
      INBOX_CONCURRENCY: "128",
      INBOX_TIMEOUT: "5s",
    });
    expect(error(["--server-env", "PATH=/tmp"])).toContain("--server-env");
  });

  test("bad input names the flag", () => {
    expect(error(["--events", "0"])).toContain("--events");
    expect(error(["--batch", "1001"])).toContain("--batch");
    expect(error(["--concurrency", "x"])).toContain("--concurrency");
    expect(error(["--idle", "--rate", "10"])).toContain("choose one mode");
    expect(error(["--backlog", "100", "--events", "5"])).toContain("--events");
    expect(error(["--log-level", "loud"])).toContain("--log-level");
    expect(error(["--nope"])).toContain("nope");
  });
});

describe("bench store flags", () => {
  test("LMDB and one server by default; --postgres alone is one replica", () => {
    expect(options([])).toMatchObject({
      postgres: false,
      replicas: 1,
      postgresStatements: false,
      postgresSettings: {},
    });
    expect(options(["--postgres"])).toMatchObject({ postgres: true, replicas: 1, mode: "throughput" });
  });

  test("--replicas N with --postgres, in throughput and rate modes", () => {
    expect(options(["--postgres", "--replicas", "3"])).toMatchObject({ postgres: true, replicas: 3 });
    expect(options(["--replicas", "2", "--postgres", "--rate", "500"])).toMatchObject({
      mode: "rate",
      rate: 500,
      replicas: 2,
    });
    expect(options(["--postgres", "--replicas", "1", "--idle"])).toMatchObject({ mode: "idle", replicas: 1 });
    expect(options(["--postgres", "--backlog", "1000"])).toMatchObject({ mode: "backlog", postgres: true });
  });

  test("bad combinations name the fix", () => {
    expect(error(["--replicas", "3"])).toContain("--replicas needs --postgres");
    expect(error(["--postgres-statements"])).toContain("--postgres-statements needs --postgres");
    expect(options(["--postgres", "--postgres-statements"]).postgresStatements).toBe(true);
    expect(
      options([
        "--postgres",
        "--postgres-setting",
        "synchronous_commit=off",
        "--postgres-setting",
        "a.b_c=1 2",
      ]).postgresSettings,
    ).toEqual({ synchronous_commit: "off", "a.b_c": "1 2" });
    expect(error(["--postgres-setting", "fsync=off"])).toContain("--postgres-setting needs --postgres");
    expect(error(["--postgres", "--postgres-setting", "fsync"])).toContain("wants name=value");
    expect(error(["--postgres", "--postgres-setting", "Bad-Name=1"])).toContain("wants name=value");
    expect(error(["--postgres", "--replicas", "2", "--idle"])).toContain("not --idle");
    expect(error(["--postgres", "--replicas", "2", "--backlog", "100"])).toContain("not --backlog");
    expect(error(["--postgres", "--replicas", "0"])).toContain("--replicas must be between 1 and 16");
    expect(error(["--postgres", "--replicas", "17"])).toContain("--replicas must be between 1 and 16");
    expect(error(["--postgres", "--replicas", "two"])).toContain("--replicas must be a positive integer");
    expect(error(["--postgres", "--server-env", "INBOX_DATABASE_URL=postgres://x/y"])).toContain(
      "drop --server-env INBOX_DATABASE_URL",
    );
    expect(error(["--postgres", "--server-env", "INBOX_REPLICA_ID=a"])).toContain("INBOX_REPLICA_ID");
  });

  test("without --postgres, --server-env may point the one server at a database of your own", () => {
    expect(options(["--server-env", "INBOX_DATABASE_URL=postgres://db/x"]).serverEnv).toEqual({
      INBOX_DATABASE_URL: "postgres://db/x",
    });
  });

  test("--help documents both flags", () => {
    expect(USAGE).toContain("--postgres");
    expect(USAGE).toContain("--replicas N");
    expect(USAGE).toContain("--postgres-statements");
    expect(USAGE).toContain("--postgres-setting NAME=VALUE");
  });
});
