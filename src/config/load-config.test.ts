import { describe, expect, test } from "bun:test";
import type { Config } from "./config";
import { defaultReplicaId, helpText, type LoadResult, loadConfig, type ReplicaOrigin } from "./load-config";
import { OPTIONS } from "./options";

/** What the default replica id is made of in these tests. */
const ORIGIN: ReplicaOrigin = { hostname: "box", pid: 42, random: "a1b2c3" };

const DEFAULTS: Config = {
  port: 3000,
  host: "0.0.0.0",
  dataDir: "./data",
  databaseUrl: undefined,
  databasePoolMax: 10,
  leaseMarginMs: 10_000,
  replicaId: "box-42-a1b2c3",
  adminKey: undefined,
  retrySchedule: [0, 30_000, 120_000, 480_000, 1_920_000, 7_200_000],
  timeoutMs: 10_000,
  concurrency: 256,
  webhookConcurrency: 64,
  retentionMs: 30 * 86_400_000,
  bodyBytesMax: 262_144,
  allowPrivateTargets: false,
  logLevel: "info",
  retryAfterMsMax: 3_600_000,
  shutdownGraceMs: 10_000,
  webhooksPerAccountMax: 100,
  deliveriesPerPublishMax: 10_000,
  dataDepthMax: 32,
  accountConcurrency: 64,
  disableAfterMs: 5 * 86_400_000,
  metricsWebhooksMax: 0,
  corsOrigins: undefined,
  publicUrl: undefined,
  portalFrameAncestors: undefined,
  sessionTtlMs: 12 * 3_600_000,
  sessionIdleMs: 3_600_000,
};

function config(argv: string[], env: Record<string, string | undefined> = {}): Config {
  const r = loadConfig(argv, env, ORIGIN);
  if (r.kind !== "config") throw new Error(`expected a config, got ${JSON.stringify(r)}`);
  return r.config;
}

function error(argv: string[], env: Record<string, string | undefined> = {}): string {
  const r = loadConfig(argv, env, ORIGIN);
  if (r.kind !== "error") throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.message;
}

describe("defaults", () => {
  test("with no flags and no environment, every option has its documented default", () => {
    expect(loadConfig([], {}, ORIGIN)).toEqual({ kind: "config", config: DEFAULTS });
  });

  test("the table covers every Config key exactly once, with unique variables and flags", () => {
    expect(OPTIONS.map((o): string => o.key).sort()).toEqual(Object.keys(DEFAULTS).sort());
    expect(new Set(OPTIONS.map((o) => o.env)).size).toBe(OPTIONS.length);
    expect(new Set(OPTIONS.map((o) => o.flag)).size).toBe(OPTIONS.length);
    for (const o of OPTIONS) {
      expect(o.env).toMatch(/^INBOX_[A-Z_]+$/);
      expect(o.flag).toMatch(/^--[a-z-]+$/);
      // The flag is the variable's name in kebab case, as the product contract promises.
      expect(o.flag.slice(2).replaceAll("-", "_").toUpperCase()).toBe(o.env.slice("INBOX_".length));
    }
  });
});

describe("sources and precedence", () => {
  test("environment overrides defaults; flags override the environment", () => {
    expect(config([], { INBOX_PORT: "4000" }).port).toBe(4000);
    expect(config(["--port", "5000"], { INBOX_PORT: "4000" }).port).toBe(5000);
    expect(config(["--port=5001"], { INBOX_PORT: "4000" }).port).toBe(5001);
    // The last of repeated flags wins.
    expect(config(["--port", "1", "--port", "2"]).port).toBe(2);
  });

  test("an empty environment variable counts as unset", () => {
    expect(config([], { INBOX_PORT: "", INBOX_ADMIN_KEY: "" })).toEqual(DEFAULTS);
  });

  test("every option is settable by environment and by flag", () => {
    const env = {
      INBOX_PORT: "0",
      INBOX_HOST: "127.0.0.1",
      INBOX_DATA_DIR: "/var/lib/inbox",
      INBOX_DATABASE_URL: "postgresql://inbox:pw@db.internal:5432/inbox?sslmode=require",
      INBOX_DATABASE_POOL: "25",
      INBOX_LEASE_MARGIN: "2500ms",
      INBOX_REPLICA_ID: "replica-1.eu:a_b",
      INBOX_ADMIN_KEY: "0123456789abcdef",
      INBOX_RETRY_SCHEDULE: "0, 1s ,1m",
      INBOX_TIMEOUT: "2500ms",
      INBOX_CONCURRENCY: "64",
      INBOX_WEBHOOK_CONCURRENCY: "64",
      INBOX_RETENTION: "7d",
      INBOX_MAX_BODY: "1MiB",
      INBOX_ALLOW_PRIVATE_TARGETS: "yes",
      INBOX_LOG_LEVEL: "DEBUG",
      INBOX_RETRY_AFTER_CAP: "0",
      INBOX_SHUTDOWN_GRACE: "1m",
      INBOX_MAX_WEBHOOKS_PER_ACCOUNT: "250",
      INBOX_MAX_DELIVERIES_PER_PUBLISH: "50000",
      INBOX_MAX_DATA_DEPTH: "64",
      INBOX_ACCOUNT_CONCURRENCY: "64",
      INBOX_DISABLE_AFTER: "0",
      INBOX_METRICS_WEBHOOKS: "500",
      INBOX_CORS_ORIGINS: "https://app.example.com,http://localhost:5173",
      INBOX_PUBLIC_URL: "https://inbox.example.com",
      INBOX_PORTAL_FRAME_ANCESTORS: "https://app.example.com",
      INBOX_SESSION_TTL: "8h",
      INBOX_SESSION_IDLE: "30m",
    };
    const expected: Config = {
      port: 0,
      host: "127.0.0.1",
      dataDir: "/var/lib/inbox",
      databaseUrl: "postgresql://inbox:pw@db.internal:5432/inbox?sslmode=require",
      databasePoolMax: 25,
      leaseMarginMs: 2_500,
      replicaId: "replica-1.eu:a_b",
      adminKey: "0123456789abcdef",
      retrySchedule: [0, 1_000, 60_000],
      timeoutMs: 2_500,
      concurrency: 64,
      webhookConcurrency: 64,
      retentionMs: 7 * 86_400_000,
      bodyBytesMax: 1_048_576,
      allowPrivateTargets: true,
      logLevel: "debug",
      retryAfterMsMax: 0,
      shutdownGraceMs: 60_000,
      webhooksPerAccountMax: 250,
      deliveriesPerPublishMax: 50_000,
      dataDepthMax: 64,
      accountConcurrency: 64,
      disableAfterMs: 0,
      metricsWebhooksMax: 500,
      corsOrigins: ["https://app.example.com", "http://localhost:5173"],
      publicUrl: "https://inbox.example.com",
      portalFrameAncestors: ["https://app.example.com"],
      sessionTtlMs: 8 * 3_600_000,
      sessionIdleMs: 1_800_000,
    };
    expect(config([], env)).toEqual(expected);
    const argv = OPTIONS.flatMap((o) => [`${o.flag}=${env[o.env as keyof typeof env]}`]);
    expect(config(argv)).toEqual(expected);
    const spaced = OPTIONS.flatMap((o) => (o.boolean ? [o.flag] : [o.flag, env[o.env as keyof typeof env]]));
    expect(config(spaced)).toEqual(expected);
  });

  test.each([
    [["--allow-private-targets"], true],
    [["--allow-private-targets=true"], true],
    [["--allow-private-targets=false"], false],
    [["--allow-private-targets=0"], false],
    [["--allow-private-targets=NO"], false],
    [["--allow-private-targets=1"], true],
  ])("boolean flag %p -> %p", (argv, value) => {
    expect(config(argv).allowPrivateTargets).toBe(value);
  });

  test("a boolean flag overrides a true environment variable", () => {
    expect(
      config(["--allow-private-targets=false"], { INBOX_ALLOW_PRIVATE_TARGETS: "true" }).allowPrivateTargets,
    ).toBe(false);
    expect(config([], { INBOX_ALLOW_PRIVATE_TARGETS: "1" }).allowPrivateTargets).toBe(true);
  });

  test("a bare 0 stays a duration, so the documented default schedule and 0 caps still parse", () => {
    expect(config([], { INBOX_RETRY_SCHEDULE: "0,30s,2m,8m,32m,2h" }).retrySchedule).toEqual([
      0, 30_000, 120_000, 480_000, 1_920_000, 7_200_000,
    ]);
    expect(config(["--retry-after-cap", "0", "--shutdown-grace", "0"])).toMatchObject({
      retryAfterMsMax: 0,
      shutdownGraceMs: 0,
    });
  });

  test.each([
    "127.0.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "::",
    "::1",
    "[::1]",
    "::ffff:127.0.0.1",
    "localhost",
    "inbox-1.internal.example.com",
    "example.com.",
  ])("--host %p is a valid listen address", (host) => {
    expect(config(["--host", host]).host).toBe(host);
  });

  test("the default webhook concurrency follows a lower overall concurrency", () => {
    const c = config([], { INBOX_CONCURRENCY: "4" });
    expect(c.concurrency).toBe(4);
    expect(c.webhookConcurrency).toBe(4);
  });

  test("the default account concurrency is a quarter of the overall one, and follows the others", () => {
    expect(config([]).accountConcurrency).toBe(64);
    expect(config([], { INBOX_CONCURRENCY: "200", INBOX_WEBHOOK_CONCURRENCY: "10" }).accountConcurrency).toBe(
      50,
    );
    expect(config([], { INBOX_CONCURRENCY: "100" }).accountConcurrency).toBe(64);
    expect(config(["--webhook-concurrency", "200"]).accountConcurrency).toBe(200);
    const c = config(["--account-concurrency", "16"]);
    expect([c.webhookConcurrency, c.accountConcurrency, c.concurrency]).toEqual([16, 16, 256]);
  });

  test("the overall concurrency stays within the runtime's limit on simultaneous fetches", () => {
    const lowered = loadConfig(["--concurrency", "512"], {}, ORIGIN);
    expect(lowered).toMatchObject({ kind: "config", config: { concurrency: 256, accountConcurrency: 64 } });
    expect(lowered.kind === "config" ? lowered.warnings : []).toEqual([
      "--concurrency: lowered from 512 to 256, the runtime's limit on simultaneous outgoing requests; " +
        "set BUN_CONFIG_MAX_HTTP_REQUESTS in the environment to raise it",
    ]);
    const raised = config(["--concurrency", "512"], { BUN_CONFIG_MAX_HTTP_REQUESTS: "1024" });
    expect([raised.concurrency, raised.accountConcurrency]).toEqual([512, 128]);
    expect(config([], { BUN_CONFIG_MAX_HTTP_REQUESTS: "100" }).concurrency).toBe(100);
    expect(config([], { BUN_CONFIG_MAX_HTTP_REQUESTS: "lots" }).concurrency).toBe(256);
  });

  test("account concurrency set outside the other two names both", () => {
    expect(error(["--account-concurrency", "600"])).toBe(
      "--account-concurrency: must not exceed INBOX_CONCURRENCY (default) (256), got 600",
    );
    expect(error(["--account-concurrency", "8"], { INBOX_WEBHOOK_CONCURRENCY: "9" })).toBe(
      "INBOX_WEBHOOK_CONCURRENCY: must not exceed --account-concurrency (8), got 9",
    );
    expect(error(["--account-concurrency=0"])).toBe(
      '--account-concurrency: must be an integer between 1 and 100000, got "0"',
    );
  });

  test("public URL: an http(s) origin (a trailing slash is dropped); anything with a path is refused", () => {
    expect(config([], { INBOX_PUBLIC_URL: "https://inbox.example.com/" }).publicUrl).toBe(
      "https://inbox.example.com",
    );
    expect(config(["--public-url", "http://127.0.0.1:8080"]).publicUrl).toBe("http://127.0.0.1:8080");
    for (const bad of [
      "inbox.example.com",
      "https://inbox.example.com/app",
      "ftp://x.example",
      "https://u:p@x.example",
    ]) {
      expect(error([], { INBOX_PUBLIC_URL: bad })).toContain(
        "INBOX_PUBLIC_URL: must be an http or https origin",
      );
    }
  });

  test("portal frame ancestors: origins as for CORS, never *; sessions: durations of 1m to 30d", () => {
    expect(
      config([], { INBOX_PORTAL_FRAME_ANCESTORS: "https://app.example.com" }).portalFrameAncestors,
    ).toEqual(["https://app.example.com"]);
    expect(error([], { INBOX_PORTAL_FRAME_ANCESTORS: "*" })).toContain('not "*"');
    expect(config([], { INBOX_SESSION_TTL: "2h", INBOX_SESSION_IDLE: "10m" })).toMatchObject({
      sessionTtlMs: 7_200_000,
      sessionIdleMs: 600_000,
    });
    expect(error([], { INBOX_SESSION_IDLE: "10s" })).toContain("INBOX_SESSION_IDLE");
  });

  test("CORS origins: exact origins or *, anything else names the bad entry", () => {
    expect(config([], { INBOX_CORS_ORIGINS: "*" }).corsOrigins).toEqual(["*"]);
    expect(config(["--cors-origins", " https://a.example.com , http://localhost:5173"]).corsOrigins).toEqual([
      "https://a.example.com",
      "http://localhost:5173",
    ]);
    for (const bad of [
      "https://a.example.com/",
      "a.example.com",
      "ftp://a.example.com",
      "https://a.example.com/x",
      "*,https://a.example.com",
    ]) {
      expect(error([], { INBOX_CORS_ORIGINS: bad })).toContain("INBOX_CORS_ORIGINS");
    }
    expect(error(["--cors-origins=https://ok.example.com,https://bad.example.com/"])).toContain(
      'got "https://bad.example.com/"',
    );
  });

  test("unknown INBOX_ variables are reported as warnings, not errors", () => {
    const r = loadConfig([], { INBOX_PROT: "3000", PATH: "/bin", INBOX_PORT: "1" }, ORIGIN);
    expect(r).toEqual({
      kind: "config",
      config: { ...DEFAULTS, port: 1 },
      warnings: ["ignoring unknown environment variable INBOX_PROT"],
    });
  });
});

describe("errors name the variable or flag and the reason", () => {
  test.each([
    [[], { INBOX_PORT: "abc" }, 'INBOX_PORT: must be an integer between 0 and 65535, got "abc"'],
    [[], { INBOX_PORT: "70000" }, 'INBOX_PORT: must be an integer between 0 and 65535, got "70000"'],
    [[], { INBOX_PORT: "-1" }, 'INBOX_PORT: must be an integer between 0 and 65535, got "-1"'],
    [[], { INBOX_PORT: "30.5" }, 'INBOX_PORT: must be an integer between 0 and 65535, got "30.5"'],
    [["--port", "abc"], {}, '--port: must be an integer between 0 and 65535, got "abc"'],
    [["--port="], {}, '--port: must be an integer between 0 and 65535, got ""'],
    [
      ["--host", "http://x/"],
      {},
      '--host: must be an IPv4 address (such as 127.0.0.1), an IPv6 address (such as ::1) or a host name; this is not a valid IPv6 address, got "http://x/"',
    ],
    [
      ["--host", "999.1.1.1"],
      {},
      '--host: must be an IPv4 address (such as 127.0.0.1), an IPv6 address (such as ::1) or a host name; this is not a valid IPv4 address (four numbers 0 to 255), got "999.1.1.1"',
    ],
    [[], { INBOX_HOST: "1.2.3" }, /^INBOX_HOST: .*not a valid IPv4 address.*got "1\.2\.3"$/],
    [[], { INBOX_HOST: "::g" }, /^INBOX_HOST: .*not a valid IPv6 address.*got "::g"$/],
    [[], { INBOX_HOST: "[::1" }, /^INBOX_HOST: .*not a valid IPv6 address/],
    [[], { INBOX_HOST: "fe80::1%eth0" }, /^INBOX_HOST: .*not a valid IPv6 address/],
    [[], { INBOX_HOST: "my host" }, /^INBOX_HOST: .*letters, digits and hyphens.*got "my host"$/],
    [[], { INBOX_HOST: "-bad.example" }, /^INBOX_HOST: .*letters, digits and hyphens/],
    [[], { INBOX_HOST: "a..b" }, /^INBOX_HOST: .*letters, digits and hyphens/],
    [[], { INBOX_HOST: "host.123" }, /^INBOX_HOST: .*cannot end in a number/],
    [[], { INBOX_HOST: "  " }, /^INBOX_HOST: .*it is empty, got " {2}"$/],
    [["--data-dir="], {}, '--data-dir: must be a directory path, got ""'],
    [
      [],
      { INBOX_RETRY_SCHEDULE: "xx" },
      'INBOX_RETRY_SCHEDULE: entry 1 must be a duration such as 500ms, 30s, 2m, 1h30m or 30d (units ms, s, m, h, d), got "xx" (in "xx")',
    ],
    [[], { INBOX_RETRY_SCHEDULE: "0,,30s" }, /INBOX_RETRY_SCHEDULE: entry 2 must be a duration.*got ""/],
    [
      [],
      { INBOX_RETRY_SCHEDULE: "0,-30s" },
      /INBOX_RETRY_SCHEDULE: entry 2 must not be negative, got "-30s"/,
    ],
    [
      [],
      { INBOX_RETRY_SCHEDULE: Array(21).fill("1s").join(",") },
      "INBOX_RETRY_SCHEDULE: must list 1 to 20 delays separated by commas, got 21",
    ],
    [["--timeout", "soon"], {}, /^--timeout: must be a duration.*got "soon"$/],
    [["--timeout", "0"], {}, '--timeout: must be between 1ms and 24d, got "0"'],
    [["--timeout", "30d"], {}, '--timeout: must be between 1ms and 24d, got "30d"'],
    [[], { INBOX_CONCURRENCY: "0" }, 'INBOX_CONCURRENCY: must be an integer between 1 and 100000, got "0"'],
    [
      [],
      { INBOX_WEBHOOK_CONCURRENCY: "x" },
      'INBOX_WEBHOOK_CONCURRENCY: must be an integer between 1 and 100000, got "x"',
    ],
    [[], { INBOX_RETENTION: "0" }, 'INBOX_RETENTION: must be at least 1ms, got "0"'],
    // A bare number is never read as milliseconds (--retention 30 purged fresh events, --timeout 10
    // timed out every attempt): every duration option says which unit is missing.
    [
      ["--retention", "30"],
      {},
      '--retention: must have a unit (ms, s, m, h or d); only 0 may stand alone: add one, e.g. 30s or 30d, got "30"',
    ],
    [[], { INBOX_RETENTION: "30" }, /^INBOX_RETENTION: must have a unit .*e\.g\. 30s or 30d, got "30"$/],
    [["--timeout", "10"], {}, /^--timeout: must have a unit .*e\.g\. 10s or 10d, got "10"$/],
    [[], { INBOX_TIMEOUT: "10" }, /^INBOX_TIMEOUT: must have a unit/],
    [[], { INBOX_RETRY_AFTER_CAP: "3600" }, /^INBOX_RETRY_AFTER_CAP: must have a unit/],
    [["--shutdown-grace=10"], {}, /^--shutdown-grace: must have a unit/],
    [
      [],
      { INBOX_RETRY_SCHEDULE: "0,30,120" },
      /^INBOX_RETRY_SCHEDULE: entry 2 must have a unit .*e\.g\. 30s or 30d, got "30" \(in "0,30,120"\)$/,
    ],
    [[], { INBOX_MAX_BODY: "big" }, /^INBOX_MAX_BODY: must be a size such as .*got "big"$/],
    [[], { INBOX_MAX_BODY: "0" }, 'INBOX_MAX_BODY: must be between 1B and 1GiB, got "0"'],
    [[], { INBOX_MAX_BODY: "2GiB" }, 'INBOX_MAX_BODY: must be between 1B and 1GiB, got "2GiB"'],
    [
      [],
      { INBOX_ALLOW_PRIVATE_TARGETS: "sure" },
      'INBOX_ALLOW_PRIVATE_TARGETS: must be one of true, false, 1, 0, yes, no, got "sure"',
    ],
    [["--allow-private-targets="], {}, /--allow-private-targets: must be one of/],
    [
      [],
      { INBOX_LOG_LEVEL: "chatty" },
      'INBOX_LOG_LEVEL: must be one of debug, info, warn, error, got "chatty"',
    ],
    [[], { INBOX_RETRY_AFTER_CAP: "-1s" }, 'INBOX_RETRY_AFTER_CAP: must not be negative, got "-1s"'],
    [[], { INBOX_SHUTDOWN_GRACE: "25d" }, 'INBOX_SHUTDOWN_GRACE: must be between 0 and 24d, got "25d"'],
    [
      [],
      { INBOX_MAX_DATA_DEPTH: "0" },
      'INBOX_MAX_DATA_DEPTH: must be an integer between 1 and 256, got "0"',
    ],
    [["--max-data-depth=1e3"], {}, '--max-data-depth: must be an integer between 1 and 256, got "1e3"'],
    [["--no-such-flag"], {}, "unknown flag --no-such-flag"],
    [["--no-such-flag=1"], {}, "unknown flag --no-such-flag"],
    [["-p", "3000"], {}, /^unknown flag -p\n/],
    [["serve"], {}, 'unexpected argument "serve"'],
    [["healthcheck", "healthcheck"], {}, 'unexpected argument "healthcheck"'],
    [["--port"], {}, "--port: missing value"],
    [["--port", "--host", "x"], {}, "--port: missing value"],
  ] as [string[], Record<string, string>, string | RegExp][])("argv %j env %j", (argv, env, expected) => {
    const message = error(argv, env);
    if (typeof expected === "string") expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  test.each([
    [[], { INBOX_DATABASE_POOL: "0" }, 'INBOX_DATABASE_POOL: must be an integer between 1 and 1000, got "0"'],
    [["--database-pool", "many"], {}, '--database-pool: must be an integer between 1 and 1000, got "many"'],
    [[], { INBOX_LEASE_MARGIN: "10" }, /^INBOX_LEASE_MARGIN: must have a unit/],
    [["--lease-margin", "50ms"], {}, '--lease-margin: must be between 100ms and 24d, got "50ms"'],
    [[], { INBOX_REPLICA_ID: "has space" }, /^INBOX_REPLICA_ID: must be 1 to 128 letters.*got "has space"$/],
    [["--replica-id", "-r1"], {}, /^--replica-id: must be 1 to 128 letters.*starting with a letter or digit/],
    [["--replica-id", "r".repeat(129)], {}, /^--replica-id: must be 1 to 128/],
    [
      [],
      { INBOX_DATABASE_URL: "localhost:5432/inbox" },
      /^INBOX_DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\//,
    ],
    [
      ["--database-url", "not a url"],
      {},
      /^--database-url: must be a URL such as postgres:\/\/user:password@host:5432\/database/,
    ],
    [
      [],
      { INBOX_DATABASE_URL: "mysql://u:p@h/db" },
      'INBOX_DATABASE_URL: must start with postgres:// or postgresql://, got a URL starting with "mysql:"',
    ],
    [
      [],
      { INBOX_DATABASE_URL: "postgres:///db" },
      /^INBOX_DATABASE_URL: must name the database server's host/,
    ],
  ] as [string[], Record<string, string>, string | RegExp][])("argv %j env %j", (argv, env, expected) => {
    const message = error(argv, env);
    if (typeof expected === "string") expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  test("the database URL's password is never echoed back", () => {
    for (const url of [
      "mysql://inbox:hunter2-secret@db/x",
      "postgres://inbox:hunter2-secret@/x",
      "hunter2-secret",
    ]) {
      expect(error([], { INBOX_DATABASE_URL: url })).not.toContain("hunter2-secret");
      expect(error(["--database-url", url])).not.toContain("hunter2-secret");
    }
  });

  test("a data directory set beside a database URL is noted as unused", () => {
    const r = loadConfig(["--data-dir", "/d"], { INBOX_DATABASE_URL: "postgres://u:pw@db/inbox" }, ORIGIN);
    expect(r).toMatchObject({
      kind: "config",
      warnings: ["--data-dir: unused, since INBOX_DATABASE_URL makes the store PostgreSQL"],
    });
    expect(loadConfig([], { INBOX_DATABASE_URL: "postgres://db/inbox" }, ORIGIN)).not.toHaveProperty(
      "warnings",
    );
  });

  test("the default replica id is the host name, pid and random characters; a set one wins", () => {
    expect(config([]).replicaId).toBe("box-42-a1b2c3");
    expect(config([], { INBOX_REPLICA_ID: "r2" }).replicaId).toBe("r2");
    expect(config(["--replica-id", " r3 "]).replicaId).toBe("r3");
    expect(defaultReplicaId({ hostname: "web 1/α", pid: 7, random: "ff" })).toBe("web1-7-ff");
    expect(defaultReplicaId({ hostname: "", pid: 7, random: "ff" })).toBe("replica-7-ff");
    // Whatever this machine's name, the default passes the option's own check.
    const r = loadConfig([], {});
    expect(
      r.kind === "config" && /^[A-Za-z0-9][A-Za-z0-9._:-]*-\d+-[0-9a-f]{6}$/.test(r.config.replicaId),
    ).toBe(true);
    const again = loadConfig([], {});
    expect(
      again.kind === "config" && r.kind === "config" && again.config.replicaId !== r.config.replicaId,
    ).toBe(true);
  });

  test("the admin key is never echoed back", () => {
    const message = error([], { INBOX_ADMIN_KEY: "s3cret-abc" });
    expect(message).toBe("INBOX_ADMIN_KEY: must be at least 16 characters without spaces, got 10 characters");
    const spaced = error(["--admin-key", "has spaces in it, 1234567890"]);
    expect(spaced).not.toContain("has spaces");
    expect(spaced).toMatch(/^--admin-key: must be at least 16 characters without spaces/);
  });

  test("webhook concurrency set above the overall concurrency names both", () => {
    expect(error([], { INBOX_WEBHOOK_CONCURRENCY: "600" })).toBe(
      "INBOX_WEBHOOK_CONCURRENCY: must not exceed INBOX_CONCURRENCY (default) (256), got 600",
    );
    expect(error(["--concurrency", "8", "--webhook-concurrency=9"])).toBe(
      "--webhook-concurrency: must not exceed --concurrency (8), got 9",
    );
    expect(config(["--concurrency", "8", "--webhook-concurrency=8"]).webhookConcurrency).toBe(8);
  });

  test("the fan-out limits: one event to every webhook of an account must fit in one publish", () => {
    expect(error(["--max-webhooks-per-account=500", "--max-deliveries-per-publish", "499"])).toBe(
      "--max-deliveries-per-publish: must be at least --max-webhooks-per-account (500), got 499",
    );
    expect(
      error([], { INBOX_MAX_WEBHOOKS_PER_ACCOUNT: "10000", INBOX_MAX_DELIVERIES_PER_PUBLISH: "9999" }),
    ).toBe(
      "INBOX_MAX_DELIVERIES_PER_PUBLISH: must be at least INBOX_MAX_WEBHOOKS_PER_ACCOUNT (10000), got 9999",
    );
    // Only the default webhooks limit is too high: it follows the deliveries limit down.
    const low = config(["--max-deliveries-per-publish=40"]);
    expect([low.webhooksPerAccountMax, low.deliveriesPerPublishMax]).toEqual([40, 40]);
    expect(error(["--max-webhooks-per-account=10001"])).toBe(
      '--max-webhooks-per-account: must be an integer between 1 and 10000, got "10001"',
    );
    expect(error([], { INBOX_MAX_DELIVERIES_PER_PUBLISH: "0" })).toBe(
      'INBOX_MAX_DELIVERIES_PER_PUBLISH: must be an integer between 1 and 1000000, got "0"',
    );
  });

  test("all problems are reported at once, one a line", () => {
    const message = error(["--port", "x", "--bogus"], { INBOX_LOG_LEVEL: "loud" });
    expect(message.split("\n")).toEqual([
      "unknown flag --bogus",
      'INBOX_LOG_LEVEL: must be one of debug, info, warn, error, got "loud"',
      '--port: must be an integer between 0 and 65535, got "x"',
    ]);
  });
});

describe("help, version and healthcheck", () => {
  test.each([[["--help"]], [["-h"]], [["--port", "abc", "--help"]], [["healthcheck", "--help"]]])(
    "%p prints help",
    (argv) => {
      const r = loadConfig(argv, { INBOX_PORT: "nonsense" }, ORIGIN);
      expect(r.kind).toBe("help");
    },
  );

  test.each([[["--version"]], [["-v"]], [["--bogus", "--version"]]])("%p prints the version", (argv) => {
    expect(loadConfig(argv, {}, ORIGIN)).toEqual({ kind: "version" });
  });

  test("the first of --help and --version wins", () => {
    expect(loadConfig(["--version", "--help"], {}, ORIGIN).kind).toBe("version");
    expect(loadConfig(["--help", "--version"], {}, ORIGIN).kind).toBe("help");
  });

  test("help lists every option with its flag, variable, default and doc, plus the subcommands", () => {
    const text = helpText();
    expect((loadConfig(["--help"], {}, ORIGIN) as Extract<LoadResult, { kind: "help" }>).text).toBe(text);
    const lines = text.split("\n");
    for (const o of OPTIONS) {
      const line = lines.find(
        (l) => l.trimStart().startsWith(`${o.flag} `) || l.trimStart().startsWith(`${o.flag}[`),
      );
      expect(line, `no help line for ${o.flag}`).toBeDefined();
      expect(line).toContain(o.env);
      expect(line).toContain(o.defaultText ?? o.defaultNote ?? "");
      expect(text.replace(/\s+/g, " ")).toContain(o.doc);
    }
    expect(text).toContain("healthcheck");
    expect(text).toContain("--version");
    expect(text).toContain("0,30s,2m,8m,32m,2h");
    expect(text).toContain("256KiB");
    // Doc lines never start with "--", so a reader (or a script) can split entries at flag lines.
    expect(lines.filter((l) => /^\s*--[a-z]/.test(l))).toHaveLength(OPTIONS.length);
  });

  test("healthcheck returns the full config, so --port and INBOX_PORT both apply", () => {
    expect(loadConfig(["healthcheck"], { INBOX_PORT: "8080" }, ORIGIN)).toEqual({
      kind: "healthcheck",
      config: { ...DEFAULTS, port: 8080 },
    });
    expect(
      loadConfig(["healthcheck", "--port", "9090", "--host=127.0.0.1"], { INBOX_PORT: "8080" }, ORIGIN),
    ).toEqual({
      kind: "healthcheck",
      config: { ...DEFAULTS, port: 9090, host: "127.0.0.1" },
    });
    expect(loadConfig(["--port", "9090", "healthcheck"], {}, ORIGIN).kind).toBe("healthcheck");
    expect(error(["healthcheck", "--port", "x"])).toMatch(/^--port:/);
  });

  test("backup takes the target path and the full config, flags before or after", () => {
    expect(
      loadConfig(["backup", "/backups/inbox.mdb"], { INBOX_DATA_DIR: "/var/lib/inbox" }, ORIGIN),
    ).toEqual({
      kind: "backup",
      config: { ...DEFAULTS, dataDir: "/var/lib/inbox" },
      target: "/backups/inbox.mdb",
    });
    expect(loadConfig(["--data-dir", "/d", "backup", "b.mdb"], {}, ORIGIN)).toMatchObject({
      kind: "backup",
      config: { dataDir: "/d" },
      target: "b.mdb",
    });
    expect(loadConfig(["backup", "b.mdb", "--data-dir=/d"], {}, ORIGIN)).toMatchObject({
      kind: "backup",
      target: "b.mdb",
    });
    expect(error(["backup"])).toBe("backup: missing the path to write the backup to");
    expect(error(["backup", "a.mdb", "b.mdb"])).toBe('unexpected argument "b.mdb"');
    expect(error(["healthcheck", "backup", "a.mdb"])).toContain('unexpected argument "backup"');
    expect(error(["backup", "a.mdb", "--port", "x"])).toMatch(/^--port:/);
    expect(error(["backup", "a.mdb"], { INBOX_DATABASE_URL: "postgres://u:pw@db/inbox" })).toBe(
      "backup: copies the embedded store in --data-dir; with INBOX_DATABASE_URL the store is PostgreSQL, backed up with its own tools (pg_dump, see README, Operations)",
    );
  });

  test("argv is read, never changed; the environment object is never written", () => {
    const argv = ["--port", "1"];
    const env = Object.freeze({ INBOX_HOST: "::" });
    loadConfig(argv, env, ORIGIN);
    expect(argv).toEqual(["--port", "1"]);
  });
});
