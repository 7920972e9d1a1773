// The dashboard's static files, embedded in the compiled binary by the `with { type: "file" }`
// imports (Bun resolves each to a path, inside the executable when built with --compile) and served
// under /dashboard/assets/<name>. Adding one: an import line and a line in ASSETS.

import dashboardCss from "./assets/dashboard.css" with { type: "file" };
import dashboardJs from "./assets/dashboard.js" with { type: "file" };
import liveJs from "./assets/live.js" with { type: "file" };

const CSS = "text/css; charset=utf-8";
const JS = "text/javascript; charset=utf-8";

/** By the name in the URL: the embedded file's path and its media type. */
const ASSETS: Readonly<Record<string, { path: string; type: string }>> = {
  "dashboard.css": { path: dashboardCss, type: CSS },
  "dashboard.js": { path: dashboardJs, type: JS },
  "live.js": { path: liveJs, type: JS },
};

const ASSETS_PATH = "/dashboard/assets";

/** The URL of an asset, versioned so that browsers may cache it for a day and still see upgrades. */
export function assetUrl(name: string, version: string): string {
  if (!(name in ASSETS)) throw new Error(`no dashboard asset named ${name}`);
  return `${ASSETS_PATH}/${name}?v=${encodeURIComponent(version)}`;
}

/** The asset's response, or undefined when there is none by that name. */
export function assetResponse(name: string): Response | undefined {
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) return undefined;
  return new Response(Bun.file(asset.path), {
    headers: { "content-type": asset.type, "cache-control": "public, max-age=86400" },
  });
}

/** Every asset's name and size in bytes (for the README's figure and the tests). */
export async function assetSizes(): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const [name, asset] of Object.entries(ASSETS)) sizes[name] = Bun.file(asset.path).size;
  return sizes;
}
