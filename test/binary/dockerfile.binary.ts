// The Dockerfile cannot be built here (no container engine in CI), so this checks what can be checked
// without one: every file it copies from the build context exists and is not excluded by .dockerignore,
// the runtime stage runs as non-root with /data owned by that user, and the environment and HEALTHCHECK it
// sets work with the real binary: the healthcheck finds a server through INBOX_PORT and INBOX_HOST=0.0.0.0.
// Its Bun image is the version package.json pins, and its build stops when the two disagree.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pinnedBunVersion } from "../../scripts/check";
import { makeSandbox, type RunningServer, runToExit, type Sandbox, startServer } from "./binary-harness";

const ROOT = resolve(import.meta.dir, "../..");
const dockerfile = readFileSync(resolve(ROOT, "Dockerfile"), "utf8");
const dockerignore = readFileSync(resolve(ROOT, ".dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));

/** Dockerfile instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));

const stages = instructions.filter((i) => i.startsWith("FROM "));
const runtime = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));

function dockerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of runtime.filter((i) => i.startsWith("ENV "))) {
    for (const m of line.slice(4).matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
  }
  return env;
}

describe("Dockerfile", () => {
  test("is a two-stage build whose context copies exist and are not ignored", () => {
    expect(stages).toHaveLength(2);
    const contextCopies = instructions.filter((i) => i.startsWith("COPY ") && !i.includes("--from="));
    expect(contextCopies.length).toBeGreaterThan(0);
    for (const copy of contextCopies) {
      const parts = copy.split(/\s+/).filter((p) => !p.startsWith("--"));
      for (const source of parts.slice(1, -1)) {
        expect(existsSync(resolve(ROOT, source)), `${source} is copied but missing`).toBe(true);
        const ignoredBy = dockerignore.find(
          (pattern) => pattern === source || pattern === source.replace(/\/$/, ""),
        );
        expect(ignoredBy, `${source} is excluded by .dockerignore`).toBeUndefined();
      }
    }
  });

  test("runs the executable as the non-root user, with /data owned by it", () => {
    expect(runtime).toContain("USER nonroot");
    expect(runtime).toContain("COPY --from=build /src/dist/inbox-webhooks /inbox-webhooks");
    expect(runtime.some((i) => /^COPY --from=build --chown=65532:65532 \S+ \/data$/.test(i))).toBe(true);
    expect(runtime).toContain('ENTRYPOINT ["/inbox-webhooks"]');
    expect(runtime).toContain("VOLUME /data");
    expect(dockerEnv()).toMatchObject({ INBOX_DATA_DIR: "/data", INBOX_HOST: "0.0.0.0" });
    const build = instructions.find((i) => i.startsWith("RUN bun run build"));
    expect(build).toBeDefined();
    expect(instructions).toContain("RUN bun install --frozen-lockfile");
  });
});

describe("the Bun version", () => {
  const pinCheck = instructions.find((i) => i.startsWith("RUN bun -e ") && i.includes("packageManager"));

  test("is package.json's pin: the build ARG's default, which FROM uses", async () => {
    const pinned = await pinnedBunVersion();
    const arg = instructions.find((i) => i.startsWith("ARG BUN_VERSION="));
    expect(arg).toBe(`ARG BUN_VERSION=${pinned}`);
    // Global ARGs come before the first FROM, which is the only place they apply.
    expect(instructions.indexOf(arg as string)).toBeLessThan(instructions.indexOf(stages[0] as string));
    expect(stages[0]).toBe("FROM oven/bun:${BUN_VERSION} AS build");
    expect(instructions.filter((i) => /oven\/bun:\d/.test(i))).toEqual([]);
    expect(pinCheck).toBeDefined();
    expect(instructions.indexOf(pinCheck as string)).toBeLessThan(
      instructions.indexOf("RUN bun install --frozen-lockfile"),
    );
  });

  test.each([
    ["the image's Bun", Bun.version, 0],
    ["another Bun", "0.0.1", 1],
  ])("the build stops unless package.json pins %s", async (_what, version, exitCode) => {
    const dir = mkdtempSync(join(tmpdir(), "docker-pin-"));
    try {
      writeFileSync(join(dir, "package.json"), JSON.stringify({ packageManager: `bun@${version}` }));
      const proc = Bun.spawn(["sh", "-c", (pinCheck as string).slice("RUN ".length)], {
        cwd: dir,
        env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
        stdout: "pipe",
        stderr: "pipe",
      });
      const stderr = await new Response(proc.stderr).text();
      expect(await proc.exited).toBe(exitCode);
      if (exitCode !== 0) {
        expect(stderr).toContain(`package.json pins 0.0.1: build with --build-arg BUN_VERSION=0.0.1`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the image's environment and HEALTHCHECK with the real binary", () => {
  let sandbox: Sandbox;
  let server: RunningServer;
  beforeAll(async () => {
    sandbox = makeSandbox();
    server = await startServer(sandbox, ["--data-dir", "./data"]);
  });
  afterAll(async () => {
    await server?.stop();
    sandbox?.remove();
  });

  const healthcheck = () => {
    const line = runtime.find((i) => i.startsWith("HEALTHCHECK "));
    const json = line?.slice(line.indexOf("CMD ") + 4);
    return JSON.parse(json ?? "null") as string[];
  };

  test("HEALTHCHECK runs the executable's healthcheck subcommand", () => {
    expect(healthcheck()).toEqual(["/inbox-webhooks", "healthcheck"]);
  });

  test("with the image's settings it reaches a server on INBOX_PORT, and fails when none answers", async () => {
    const env = { ...dockerEnv(), INBOX_DATA_DIR: "./unused", INBOX_PORT: String(server.port) };
    const [, ...args] = healthcheck();
    expect((await runToExit(sandbox, args, env)).code).toBe(0);
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const closed = String(listener.port);
    listener.stop(true);
    expect((await runToExit(sandbox, args, { ...env, INBOX_PORT: closed })).code).toBe(1);
  });
});
