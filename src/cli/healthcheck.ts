// `inbox-webhooks healthcheck`: the probe a container runtime or process supervisor runs. It asks the
// running server's GET /health and turns the answer into an exit code, so it needs no curl in the image.

import { EXIT_FAILURE, EXIT_OK } from "./exit-codes";

/** How long the probe waits for the whole answer before calling the server unhealthy. */
export const HEALTHCHECK_TIMEOUT_MS = 2_000;

/**
 * The address to probe for a server listening on `host`. A wildcard listen address (what a container
 * uses) is not something to connect to; the server is then reachable on loopback.
 */
export function probeHost(host: string): string {
  if (host === "" || host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  if (host.includes(":") && !host.startsWith("[")) return `[${host}]`;
  return host;
}

/**
 * Resolves to 0 iff GET http://<host>:<port>/health answers 200 within `timeoutMs`, else 1. Never throws;
 * on failure it writes one line saying why to stderr.
 */
export async function runHealthcheck(
  port: number,
  host = "127.0.0.1",
  timeoutMs: number = HEALTHCHECK_TIMEOUT_MS,
): Promise<number> {
  const url = `http://${probeHost(host)}:${port}/health`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    // Read the body inside the time bound too: a server that sends headers and then stalls is unhealthy.
    await res.arrayBuffer();
    if (res.status === 200) return EXIT_OK;
    process.stderr.write(`healthcheck: ${url} answered ${res.status}\n`);
    return EXIT_FAILURE;
  } catch (err) {
    const why =
      err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")
        ? `no answer within ${timeoutMs} ms`
        : err instanceof Error
          ? err.message
          : String(err);
    process.stderr.write(`healthcheck: ${url} failed: ${why}\n`);
    return EXIT_FAILURE;
  }
}
