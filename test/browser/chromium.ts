// What every browser test shares about its Chromium: which executable runs (Debian's `chromium`, which
// `bun run test` installs when it can, see scripts/ensure-chromium.ts, or the one CHROMIUM_PATH names),
// how it is launched, and the route that keeps a context's pages on this machine.

import { type Browser, type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Headless Chromium (CHROMIUM), without the background requests of its own (updates, sync). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

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
