// Builds the single self-contained executable: `bun run build [--target linux-x64|linux-arm64] [--outfile P]`.
//
// Guarantee: the output starts from any directory with no node_modules beside it. Everything it needs is
// inside: the bundled code, the Swagger UI assets (imported `with { type: "file" }` by the HTTP layer) and
// lmdb's native addon, which this script embeds itself (see lmdbNativePlugin).

import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import type { BunPlugin } from "bun";

export type Arch = "x64" | "arm64";

/**
 * lmdb finds its native addon at run time via `node-gyp-build-optional-packages`, which computes the path
 * from the platform and probes the file system; a compiled executable has no such files, so the loader is
 * replaced at bundle time. For lmdb it returns the prebuilt glibc addon of the target architecture,
 * imported statically so that `bun build --compile` embeds it. For anyone else (msgpackr-extract, an
 * optional speed-up) it throws, which those packages catch and answer by using their pure-JS code path.
 */
export function lmdbNativePlugin(addonPath: string): BunPlugin {
  return {
    name: "lmdb-native-addon",
    setup(build) {
      build.onResolve({ filter: /^node-gyp-build-optional-packages$/ }, (args) => ({
        path: args.importer.includes("/lmdb/") ? "lmdb" : "other",
        namespace: "native-loader",
      }));
      build.onLoad({ filter: /.*/, namespace: "native-loader" }, (args) =>
        args.path === "lmdb"
          ? {
              contents: `import addon from ${JSON.stringify(addonPath)};\nexport default function load() { return addon; }`,
              loader: "js",
            }
          : {
              contents: `export default function load() { throw new Error("native extension unavailable"); }`,
              loader: "js",
            },
      );
    },
  };
}

/**
 * The prebuilt lmdb addon for `arch`. The x64 one comes with `bun install` on x64; the arm64 one is a
 * one-time manual step on an x64 machine (see README, "Building for arm64").
 */
export function resolveLmdbAddon(arch: Arch): string {
  const require = createRequire(import.meta.url);
  const pkg = `@lmdb/lmdb-linux-${arch}`;
  try {
    return require.resolve(`${pkg}/node.napi.glibc.node`);
  } catch {
    const lmdbVersion = (require("lmdb/package.json") as { version: string }).version;
    throw new Error(
      `${pkg} is not installed, so its native addon cannot be embedded. ` +
        `Install it once with: npm pack ${pkg}@${lmdbVersion} && mkdir -p node_modules/${pkg} && ` +
        `tar -xzf lmdb-lmdb-linux-${arch}-${lmdbVersion}.tgz --strip-components=1 -C node_modules/${pkg}`,
    );
  }
}

export interface BuildOptions {
  arch: Arch;
  /** Defaults to src/main.ts. */
  entrypoint?: string;
  outfile: string;
}

export interface BuildResult {
  outfile: string;
  bytes: number;
}

export async function buildExecutable({
  arch,
  outfile,
  entrypoint = "src/main.ts",
}: BuildOptions): Promise<BuildResult> {
  const result = await Bun.build({
    entrypoints: [entrypoint],
    compile: {
      target: `bun-linux-${arch}`,
      outfile,
      // Configuration comes from flags and the environment only: a stray .env or bunfig.toml in the
      // operator's working directory must not change what the appliance does.
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    minify: true,
    // "linked" with compile embeds the map in the executable: crashes show src/ file names and lines
    // instead of minified code, for about 0.2 MB.
    sourcemap: "linked",
    plugins: [lmdbNativePlugin(resolveLmdbAddon(arch))],
  });
  if (!result.success) {
    throw new AggregateError(result.logs, "build failed");
  }
  // The executable carries its own copy; the side file is not needed to run or debug it.
  rmSync(`${outfile}.map`, { force: true });
  return { outfile, bytes: Bun.file(outfile).size };
}

function hostArch(): Arch {
  if (process.arch === "x64" || process.arch === "arm64") return process.arch;
  throw new Error(`unsupported build host architecture: ${process.arch}`);
}

function parseTarget(value: string | undefined): Arch {
  if (value === undefined) return hostArch();
  if (value === "linux-x64" || value === "linux-arm64") return value.slice("linux-".length) as Arch;
  throw new Error(`--target must be linux-x64 or linux-arm64, got ${JSON.stringify(value)}`);
}

if (import.meta.main) {
  try {
    const { values } = parseArgs({
      args: Bun.argv.slice(2),
      options: { target: { type: "string" }, outfile: { type: "string" } },
      strict: true,
    });
    const arch = parseTarget(values.target);
    const outfile =
      values.outfile ?? (arch === hostArch() ? "dist/inbox-webhooks" : `dist/inbox-webhooks-linux-${arch}`);
    const started = performance.now();
    const built = await buildExecutable({ arch, outfile });
    const mib = (built.bytes / 1024 / 1024).toFixed(1);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`built ${built.outfile} (linux-${arch}, ${mib} MiB) in ${secs} s`);
  } catch (err) {
    if (err instanceof AggregateError) {
      for (const log of err.errors) console.error(log);
    }
    console.error(`build: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
