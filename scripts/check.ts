// `bun run test`: every check CI runs, in order, each one's output streamed through:
//   typecheck, lint + format, unit and integration tests, build, compiled-binary tests, browser test
//   (after making Chromium present: installed with apt-get when missing and this runs as root, see
//   ./ensure-chromium.ts; otherwise the step fails saying what to install).
// The last line printed is always `N passed, N failed`: the sum of every `bun test` run, where a failed
// step that is not a test run (tsc, biome, build) counts as one failure. Exits non-zero if anything failed.
//
// PostgreSQL: one embedded cluster (./lib/embedded-postgres.ts) runs from before the `bun test` step to the
// end, named by INBOX_TEST_DATABASE_URL; each test file creates its own database in it. When that variable
// is already set, its server is used instead and nothing is started. The cluster is stopped in `finally`,
// and on SIGINT/SIGTERM. After the unit and integration tests, the HTTP, dashboard and domain tests
// (POSTGRES_RERUN) run a second time, on PostgreSQL (INBOX_TEST_STORE=postgres).
//
// Test selection: plain `bun test` picks up `*.test.ts` (and `_test`/`.spec` variants) only, so the slow
// suites live in `*.binary.ts` and `*.browser.ts` files and run here by explicit path after the build.

import { parseArgs } from "node:util";
import { currentHost, ensureChromium } from "./ensure-chromium";
import { type PostgresCluster, startPostgres } from "./lib/embedded-postgres";
import { TEST_DATABASE_URL_ENV } from "./lib/test-database";

interface Tally {
  passed: number;
  failed: number;
}

interface StepResult {
  name: string;
  ok: boolean;
  /** Present for `bun test` runs. */
  tally?: Tally;
  ms: number;
}

const BUN = process.execPath;

/**
 * Per-test timeout of every `bun test` run here. bunfig.toml's `[test] timeout` is not a Bun setting (Bun
 * 1.4.5 ignores it and keeps 5 s), so the 30 s it meant is passed on the command line.
 */
const TEST_TIMEOUT_MS = 30_000;

/** The Bun version package.json pins (`"packageManager": "bun@<version>"`), the one CI and Docker use. */
export async function pinnedBunVersion(
  packageJsonPath = `${import.meta.dir}/../package.json`,
): Promise<string> {
  const pkg = (await Bun.file(packageJsonPath).json()) as { packageManager?: unknown };
  const match =
    typeof pkg.packageManager === "string" ? /^bun@(\d+\.\d+\.\d+)$/.exec(pkg.packageManager) : null;
  if (!match) throw new Error(`${packageJsonPath}: packageManager must be "bun@<x.y.z>"`);
  return match[1] as string;
}

/** Runs a command with output streamed through; returns its exit code and everything it wrote. */
async function run(
  cmd: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn(cmd, {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      sink.write(chunk);
      output += decoder.decode(chunk, { stream: true });
    }
  };
  await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
  return { code: await proc.exited, output };
}

/**
 * Bun's summary of one `bun test` run: ` N pass`, ` N fail` on their own lines. Files that fail to load
 * are counted in `fail` there (and not in the JUnit report), which is why the console summary is used.
 */
export function parseBunTestSummary(output: string): Tally | undefined {
  // The last match: the summary comes at the very end, after anything the tests themselves printed.
  const plain = Bun.stripANSI(output);
  const last = (re: RegExp) => [...plain.matchAll(re)].at(-1)?.[1];
  const pass = last(/^ ?(\d+) pass\s*$/gm);
  const fail = last(/^ ?(\d+) fail\s*$/gm);
  if (pass === undefined && fail === undefined) return undefined;
  return { passed: Number(pass ?? 0), failed: Number(fail ?? 0) };
}

function banner(text: string): void {
  process.stdout.write(`\n=== ${text} ===\n`);
}

async function commandStep(name: string, cmd: string[]): Promise<StepResult> {
  banner(name);
  const started = performance.now();
  const { code } = await run(cmd);
  return { name, ok: code === 0, ms: performance.now() - started };
}

/**
 * The tests run a second time on PostgreSQL: each opens its store on a schema of its own when
 * INBOX_TEST_STORE=postgres (test/http/harness.ts for the HTTP and dashboard tests, the sessions
 * service test its own).
 */
const POSTGRES_RERUN = ["./test/http", "./test/dashboard", "./test/domain"];

async function testStep(name: string, args: string[], env: Record<string, string> = {}): Promise<StepResult> {
  banner(name);
  const started = performance.now();
  const { code, output } = await run([BUN, "test", "--timeout", String(TEST_TIMEOUT_MS), ...args], env);
  const ms = performance.now() - started;
  const tally = parseBunTestSummary(output) ?? { passed: 0, failed: 0 };
  // A run that exits non-zero without reporting a failure (crash, no tests found) still failed.
  if (code !== 0 && tally.failed === 0) tally.failed = 1;
  return { name, ok: code === 0 && tally.failed === 0, tally, ms };
}

/** Explicit `./` paths, so that bun runs files whose names the default test pattern does not match. */
function filesMatching(pattern: string): string[] {
  return [...new Bun.Glob(pattern).scanSync({ cwd: "." })].sort().map((f) => `./${f}`);
}

async function chromiumStep(): Promise<StepResult> {
  const name = "Chromium for the browser test";
  banner(name);
  const started = performance.now();
  const problem = await ensureChromium(currentHost(), async (cmd, env) => (await run(cmd, env)).code);
  if (problem !== null) process.stderr.write(`\n${problem}\n`);
  return { name, ok: problem === null, ms: performance.now() - started };
}

async function suiteStep(name: string, pattern: string): Promise<StepResult> {
  const files = filesMatching(pattern);
  if (files.length === 0) {
    banner(name);
    process.stderr.write(`no files match ${pattern}\n`);
    return { name, ok: false, tally: { passed: 0, failed: 1 }, ms: 0 };
  }
  return testStep(name, files);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      "skip-browser": { type: "boolean", default: false },
      // The fast checks alone: typecheck, lint and `bun test`; no second run on PostgreSQL, no build,
      // no compiled-binary (multi-process, multi-replica) or browser tests.
      fast: { type: "boolean", default: false },
    },
    strict: true,
  });
  const pinned = await pinnedBunVersion();
  if (Bun.version !== pinned) {
    process.stderr.write(
      `warning: running Bun ${Bun.version}, but package.json pins ${pinned} (what CI and the Dockerfile use); ` +
        `install it with: npm i -g bun@${pinned}\n`,
    );
  }
  const results: StepResult[] = [];
  results.push(await commandStep("typecheck (tsc --noEmit)", [BUN, "x", "tsc", "--noEmit"]));
  results.push(await commandStep("lint and format (biome ci)", [BUN, "x", "biome", "ci", "."]));
  const postgres = await postgresStep(results);
  try {
    results.push(await testStep("unit and integration tests (bun test)", []));
    if (values.fast) {
      process.stderr.write(
        "\n--fast: the PostgreSQL re-run, the build, binary and browser tests did not run\n",
      );
      return summary(results);
    }
    if (process.env[TEST_DATABASE_URL_ENV]) {
      const env = { INBOX_TEST_STORE: "postgres" };
      results.push(
        await testStep(
          "HTTP, dashboard and domain tests on PostgreSQL (INBOX_TEST_STORE=postgres)",
          POSTGRES_RERUN,
          env,
        ),
      );
    }
    const build = await commandStep("build (bun run build)", [BUN, "run", "build"]);
    results.push(build);
    if (build.ok) results.push(...(await binarySteps(values["skip-browser"] === true)));
    else process.stderr.write("\nbuild failed: the binary and browser tests did not run\n");
  } finally {
    await postgres?.stop();
  }
  return summary(results);
}

/**
 * Starts the shared test cluster unless INBOX_TEST_DATABASE_URL already names a server. A cluster that does
 * not start is a failed step; the tests then run anyway, each PostgreSQL test file starting its own.
 */
async function postgresStep(results: StepResult[]): Promise<PostgresCluster | undefined> {
  if (process.env[TEST_DATABASE_URL_ENV]) return undefined;
  const name = "PostgreSQL for the tests (embedded)";
  banner(name);
  const started = performance.now();
  try {
    const cluster = await startPostgres({ durable: false });
    process.env[TEST_DATABASE_URL_ENV] = cluster.url;
    const stopOnSignal = (signal: NodeJS.Signals, code: number) =>
      process.once(signal, () => void cluster.stop().finally(() => process.exit(code)));
    stopOnSignal("SIGINT", 130);
    stopOnSignal("SIGTERM", 143);
    process.stdout.write(`${TEST_DATABASE_URL_ENV}=${cluster.url}\n`);
    results.push({ name, ok: true, ms: performance.now() - started });
    return cluster;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    results.push({ name, ok: false, ms: performance.now() - started });
    return undefined;
  }
}

/** The steps that need the built binary: its tests, then (unless skipped) Chromium and the browser test. */
async function binarySteps(skipBrowser: boolean): Promise<StepResult[]> {
  const results = [await suiteStep("compiled binary tests", "test/binary/**/*.binary.ts")];
  if (skipBrowser) {
    process.stderr.write("\n--skip-browser: the browser tests (Swagger UI, dashboard) did not run\n");
    return results;
  }
  const chromium = await chromiumStep();
  results.push(chromium);
  if (chromium.ok)
    results.push(await suiteStep("browser tests (Swagger UI, dashboard)", "test/browser/**/*.browser.ts"));
  return results;
}

/** Prints one line per step and the totals; answers the exit code. */
function summary(results: StepResult[]): number {
  banner("summary");
  let passed = 0;
  let failed = 0;
  for (const r of results) {
    const counts = r.tally ? ` (${r.tally.passed} passed, ${r.tally.failed} failed)` : "";
    process.stdout.write(`${r.ok ? "ok  " : "FAIL"}  ${r.name}${counts}  ${(r.ms / 1000).toFixed(1)} s\n`);
    if (r.tally) {
      passed += r.tally.passed;
      failed += r.tally.failed;
    } else if (!r.ok) {
      failed += 1;
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 && results.every((r) => r.ok) ? 0 : 1;
}

if (import.meta.main) {
  process.exit(await main());
}
