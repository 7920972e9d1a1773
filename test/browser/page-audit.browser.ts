// The per-page audit finds what it looks for: on a page made to break each rule, axe-core reports the
// unlabelled field and the nameless button, the 390 px probe reports the wide element (and not the one
// inside a scroll wrapper, nor a skip link parked off-screen on the left), and cspProblem refuses a
// weakened or missing policy. Without this, an audit that silently found nothing would pass every page.

import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./chromium";
import { axeViolations, cspProblem, DASHBOARD_CSP, NARROW } from "./dashboard-support";
import { horizontalOverflow } from "./page-probes";

const BROKEN = `<!doctype html><html lang="en"><head><title>broken</title></head><body>
<a href="#main" id="skip" class="skip">Skip</a>
<main id="main"><h1>Broken</h1>
<input type="text" id="unlabelled">
<button id="nameless"></button>
<div id="wide" class="too-wide">wide</div>
<div id="wrapper"><table id="table-inside"><tr><td>a wide table</td></tr></table></div>
</main></body></html>`;
const STYLE = `#skip { position: absolute; left: -999px; } #wide { width: 900px; }
#wrapper { overflow-x: auto; } #table-inside { width: 900px; }`;

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: NARROW });
  await page.setContent(BROKEN);
  await page.addStyleTag({ content: STYLE });
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

test("axe-core reports the unlabelled field and the nameless button as serious or critical", async () => {
  const found = await axeViolations(page);
  expect(found.some((v) => v.startsWith("label ") && v.includes("#unlabelled"))).toBe(true);
  expect(found.some((v) => v.startsWith("button-name ") && v.includes("#nameless"))).toBe(true);
});

test("the 390 px probe reports the wide element only", async () => {
  const found = await page.evaluate(horizontalOverflow);
  expect(found).toContain("the document is 908 px wide"); // 900 px and the body's 8 px margin
  expect(found.some((line) => line.startsWith("div#wide.too-wide spans"))).toBe(true);
  expect(found.some((line) => line.includes("table-inside") || line.includes("skip"))).toBe(false);
});

test("cspProblem accepts the contract's policy and refuses a weakened, extended or missing one", () => {
  const policy = Object.entries(DASHBOARD_CSP)
    .map(([name, value]) => `${name} ${value}`)
    .join("; ");
  expect(cspProblem(policy)).toBeNull();
  expect(cspProblem(policy.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"))).toContain(
    "script-src",
  );
  expect(cspProblem(`${policy}; report-uri /x`)).toContain("unexpected directives report-uri");
  expect(cspProblem(undefined)).toBe("no Content-Security-Policy header");
});
