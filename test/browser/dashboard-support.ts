// What the dashboard journeys share: the compiled binary started with a short retry schedule and private
// targets allowed, one headless Chromium (Debian's, or CHROMIUM_PATH), and browser contexts that watch
// every page they load. A watched context refuses and records any request to a host other than
// 127.0.0.1 (or another name of this machine the rig allows), records a dashboard document answered without the contract's Content-Security-Policy, and
// records every CSP violation or uncaught error the page reports. `auditPage` adds the per-page checks:
// axe-core (serious and critical violations fail), no horizontal overflow at 390 px outside scroll
// wrappers, and screenshots at 1280 and 390 px under .artifacts/dashboard-<name>-<width>.png.

import { expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import type { Server } from "bun";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  api,
  eventually,
  makeSandbox,
  parseFirstStartKeys,
  type RunningServer,
  type Sandbox,
  startServer,
} from "../binary/binary-harness";
import { allowOnlyHosts, launchChromium } from "./chromium";
import { horizontalOverflow, isFocused, seriousAxeViolations } from "./page-probes";

export const ARTIFACTS = resolve(import.meta.dir, "../../.artifacts");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The policy every dashboard answer carries (without INBOX_PORTAL_FRAME_ANCESTORS). */
export const DASHBOARD_CSP: Record<string, string> = {
  "default-src": "'none'",
  "script-src": "'self'",
  "style-src": "'self'",
  "img-src": "'self' data:",
  "connect-src": "'self'",
  "form-action": "'self'",
  "base-uri": "'none'",
  "frame-ancestors": "'none'",
};

const WIDE = { width: 1280, height: 900 };
export const NARROW = { width: 390, height: 844 };

export interface Keys {
  adminKey: string;
  apiKey: string;
  accountId: string;
}

export interface Rig {
  server: RunningServer;
  keys: Keys;
  /** A fresh context (no cookies), watched; closed by `close()`. */
  newContext(): Promise<BrowserContext>;
  /** Everything the watchers saw that must not happen: off-host requests, missing CSP, page errors. */
  problems: string[];
  /** What the per-page audits found (auditPage). */
  findings: string[];
  /** auditPage into `findings`. */
  audit(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Retries quickly so failures show within seconds: attempts at 0, 2, 4 and 6 s, then failed. Private
 * targets allowed, since the receiver is on 127.0.0.1.
 */
const RIG_ENV = {
  INBOX_ALLOW_PRIVATE_TARGETS: "true",
  INBOX_RETRY_SCHEDULE: "0,2s,2s,2s",
};

/** What a rig may add: environment for the server, and the frame-ancestors values its answers may carry. */
export interface RigOptions {
  env?: Record<string, string>;
  /** Each answer's frame-ancestors must be one of these ("'none'" alone unless given). */
  frameAncestors?: string[];
  /** Other names of this machine that pages may reach besides 127.0.0.1 (e.g. "localhost"). */
  localHosts?: string[];
  /** For a test's own TLS front with a self-signed certificate. */
  ignoreHTTPSErrors?: boolean;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const sandbox: Sandbox = makeSandbox();
  const server = await startServer(sandbox, [], { ...RIG_ENV, ...options.env });
  const ancestors = options.frameAncestors ?? ["'none'"];
  const first = await eventually(() => {
    const k = parseFirstStartKeys(server.stderr());
    return k.adminKey && k.apiKey && k.accountId ? k : undefined;
  });
  const browser = await launchChromium();
  const problems: string[] = [];
  const contexts: BrowserContext[] = [];
  const findings: string[] = [];
  return {
    server,
    keys: first as Keys,
    problems,
    findings,
    audit: (page, name) => auditPage(page, name, findings),
    async newContext() {
      const context = await watchedContext(browser, problems, ancestors, options);
      contexts.push(context);
      return context;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      const code = await server.stop();
      sandbox.remove();
      expect(code).toBe(0);
    },
  };
}

async function watchedContext(
  browser: Browser,
  problems: string[],
  ancestors: string[],
  options: RigOptions,
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: WIDE,
    timezoneId: "UTC",
    locale: "en-GB",
    ignoreHTTPSErrors: options.ignoreHTTPSErrors === true,
  });
  context.setDefaultTimeout(10_000);
  const hosts = new Set(["127.0.0.1", ...(options.localHosts ?? [])]);
  await allowOnlyHosts(context, hosts, (url) => problems.push(`request to another host: ${url.href}`));
  context.on("response", (response) => {
    const request = response.request();
    if (request.resourceType() !== "document") return;
    if (!new URL(response.url()).pathname.startsWith("/dashboard")) return;
    const problem = cspProblem(response.headers()["content-security-policy"], ancestors);
    if (problem) problems.push(`${response.status()} ${response.url()}: ${problem}`);
  });
  context.on("page", (page) => watchPage(page, problems));
  return context;
}

function watchPage(page: Page, problems: string[]): void {
  page.on("pageerror", (error) => problems.push(`page error on ${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/i.test(text)) problems.push(`CSP on ${page.url()}: ${text}`);
  });
}

/**
 * What is wrong with a Content-Security-Policy header against the contract, or null; frame-ancestors
 * may be any of `ancestors`.
 */
export function cspProblem(header: string | undefined, ancestors: string[] = ["'none'"]): string | null {
  if (!header) return "no Content-Security-Policy header";
  const got = new Map<string, string>();
  for (const part of header.split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) got.set(name.toLowerCase(), values.join(" "));
  }
  const wrong = Object.entries(DASHBOARD_CSP)
    .filter(([name, value]) =>
      name === "frame-ancestors" ? !ancestors.includes(got.get(name) ?? "") : got.get(name) !== value,
    )
    .map(([name, value]) => {
      const wanted = name === "frame-ancestors" ? ancestors.join(" or ") : value;
      return `${name} is ${JSON.stringify(got.get(name) ?? null)}, wanted ${wanted}`;
    });
  const extra = [...got.keys()].filter((name) => !(name in DASHBOARD_CSP));
  if (extra.length > 0) wrong.push(`unexpected directives ${extra.join(", ")}`);
  return wrong.length === 0 ? null : `CSP: ${wrong.join("; ")}`;
}

/** The serious and critical axe-core violations on the page as it is now, one line each. */
export async function axeViolations(page: Page): Promise<string[]> {
  // page.evaluate runs through the DevTools protocol, which the page's script-src does not govern.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(seriousAxeViolations);
}

/**
 * The per-page checks: serious axe violations at 1280 px, anything overflowing at 390 px outside scroll
 * wrappers, each added to `findings` as a line naming the page; screenshots at both widths. Leaves the
 * page at 1280 px. The journeys go on past a finding and assert `findings` empty at the end, so one run
 * shows every page's findings.
 */
async function auditPage(page: Page, name: string, findings: string[]): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.setViewportSize(WIDE);
  for (const v of await axeViolations(page)) findings.push(`${name} (${page.url()}): axe ${v}`);
  await page.screenshot({ path: `${ARTIFACTS}/dashboard-${name}-1280.png`, fullPage: true });
  await page.setViewportSize(NARROW);
  for (const o of await page.evaluate(horizontalOverflow)) findings.push(`${name} at 390 px: ${o}`);
  await page.screenshot({ path: `${ARTIFACTS}/dashboard-${name}-390.png`, fullPage: true });
  await page.setViewportSize(WIDE);
}

/** Signs in by filling the form with the mouse's help; answers once the next page is there. */
export async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/dashboard/sign-in`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.endsWith("/sign-in"));
}

/**
 * Signs in with the keyboard only: Tab until the "API key" field has the focus (at most 30 presses),
 * type the key, Enter.
 */
export async function signInWithKeyboard(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/dashboard`);
  await page.getByLabel("API key").waitFor();
  const field = page.getByLabel("API key");
  for (let presses = 0; !(await field.evaluate(isFocused)); presses++) {
    if (presses >= 30) throw new Error("30 presses of Tab never reached the API key field");
    await page.keyboard.press("Tab");
  }
  await page.keyboard.type(key);
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => !url.pathname.endsWith("/sign-in"));
}

/** The value of the session cookie the context holds, if any. */
export async function sessionCookie(context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies()).find((c) => c.name === "inbox_session")?.value;
}

/** The id at the end of the page's path (/dashboard/endpoints/wh_... -> wh_...). */
export function lastSegment(page: Page): string {
  return new URL(page.url()).pathname.split("/").filter(Boolean).at(-1) ?? "";
}

/**
 * When an action asked for confirmation on a page of its own (the page's path matches `confirmPath`),
 * confirms with the button named `name`; otherwise does nothing.
 */
export async function confirmIfAsked(page: Page, name: string, confirmPath: RegExp): Promise<void> {
  await page.waitForLoadState();
  const confirm = page.getByRole("button", { name, exact: true });
  if (confirmPath.test(new URL(page.url()).pathname) && (await confirm.count()) > 0) {
    await confirm.first().click();
    await page.waitForLoadState();
  }
}

/**
 * A page of another site that frames the URL given in ?src= (an iframe titled "Webhooks portal"), as the
 * platform embeds the customer portal; on 127.0.0.1, a port of its own.
 */
export function framingPage(): Server<undefined> {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const src = new URL(req.url).searchParams.get("src") ?? "";
      const body = `<!doctype html><html lang="en"><head><title>Platform</title></head><body>
<h1>Platform settings</h1><iframe title="Webhooks portal" width="1000" height="700" src="${encodeURI(src)}"></iframe></body></html>`;
      return new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
    },
  });
}

/** A portal link to the rig's default account, made with the admin key. */
export async function portalLink(rig: Rig): Promise<string> {
  const path = `/v1/accounts/${rig.keys.accountId}/portal-links`;
  const made = await api(rig.server, rig.keys.adminKey, "POST", path, {});
  expect(made.status).toBe(201);
  return (made.body as { url: string }).url;
}

/**
 * The two tests a journey ends with, after its steps: nothing the watchers saw (another host, a missing
 * CSP, a page error) and nothing the per-page audits found.
 */
export function journeyEndChecks(rig: () => Rig): void {
  test("no request left 127.0.0.1, every dashboard page carried the CSP, no page error", () => {
    expect(rig().problems).toEqual([]);
  });
  test("every page audited has no serious axe-core violation and fits 390 px", () => {
    expect(rig().findings).toEqual([]);
  });
}
