// What every browser test shares about its Chromium: which executable runs (Debian's `chromium`, which
// `bun run test` installs when it can, see scripts/ensure-chromium.ts, or the one CHROMIUM_PATH names),
// and the route that keeps a context's pages on this machine.

import type { BrowserContext } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/**
 * Lets `context` reach only `hosts` (and data: and blob: URLs); refuses any other request and hands its
 * URL to `refused`, so that a test can fail on a CDN, a font, a badge or telemetry.
 */
export async function allowOnlyHosts(
  context: BrowserContext,
  hosts: ReadonlySet<string>,
  refused: (url: URL) => void,
): Promise<void> {
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.protocol === "blob:" || hosts.has(url.hostname)) {
      return route.continue();
    }
    refused(url);
    return route.abort("blockedbyclient");
  });
}
