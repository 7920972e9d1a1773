// Which server the bench runs: the compiled binary (built with `bun run build` when missing or older
// than the sources, unless told otherwise) or src/main.ts under this same Bun.

import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BenchOptions } from "./args";
import { track } from "./children";

/** The newest modification time among the files that go into the binary. */
function newestSourceMtime(root: string): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(root, "src"));
  for (const file of ["package.json", "bun.lock", "scripts/build.ts"]) {
    const path = join(root, file);
    if (existsSync(path)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Answers the argv prefix that starts the server, building the binary first when needed. */
export async function serverCommand(
  root: string,
  server: BenchOptions["server"],
  progress: (message: string) => void,
): Promise<{ command: string[]; label: string }> {
  if (server.kind === "source") {
    return { command: [process.execPath, join(root, "src", "main.ts")], label: "bun src/main.ts" };
  }
  const binary = resolve(root, server.path);
  const stale = !existsSync(binary) || statSync(binary).mtimeMs < newestSourceMtime(root);
  if (server.build && stale) {
    progress(`building ${server.path} (bun run build)`);
    // The build's own output goes to stderr: stdout carries only the bench's JSON line.
    const proc = track(
      Bun.spawn([process.execPath, "run", "build"], {
        cwd: root,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "inherit",
      }),
    );
    const timer = setTimeout(() => proc.kill("SIGKILL"), 300_000);
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    clearTimeout(timer);
    process.stderr.write(out);
    if (code !== 0) throw new Error(`bun run build failed with exit code ${code}`);
  }
  if (!existsSync(binary)) {
    throw new Error(`no server binary at ${binary}; run \`bun run build\`, or pass --source`);
  }
  // Only the project's own binary is expected to match the sources; --binary may be anything.
  if (!server.build && stale && server.path === "dist/inbox-webhooks") {
    progress(`note: ${server.path} is older than the sources (--no-build)`);
  }
  return { command: [binary], label: server.path };
}
