// For the endpoint page (D1): `attemptsChart(stats, hours)` renders one endpoint's succeeded and
// failed attempts per hour as an inline SVG bar chart. `stats` is what
// services.stats.webhookStats(...) answers (its window and totals); `hours` are the hourly rollup
// buckets of that window (StatsBucket: start, succeeded, failed; hours without attempts may be
// absent): both come from one call, `const { stats, hours } = await
// services.stats.webhookHours(accountId, id)`, in the same reads as webhookStats.
// Pure: no I/O, cost bounded by BARS_MAX bars however long the window.
//
// Accessible and CSP-clean: the <svg> has role="img", a <title> and an aria-label stating the
// totals and the busiest hour; a table of the same figures follows in a <details>. Colours are
// presentation attributes (fill=) plus classes for the stylesheet: no style attribute, no script.

import type { WebhookStats } from "../../domain/stats-service";
import { type Html, html } from "../html";
import { clockText, timeText } from "./times";

/** One hour of attempts (StatsBucket has this shape). */
export interface HourCount {
  start: number;
  succeeded: number;
  failed: number;
}

export type ChartStats = Pick<WebhookStats, "since" | "until" | "succeeded" | "failed">;

const HOUR_MS = 3_600_000;
/** Bars drawn at most: a longer window groups several hours into one bar. */
export const BARS_MAX = 48;

const WIDTH = 600;
const HEIGHT = 180;
const LEFT = 44;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 24;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;
const SUCCEEDED_FILL = "#2e7d32";
const FAILED_FILL = "#c62828";

export interface Bar {
  start: number;
  end: number;
  succeeded: number;
  failed: number;
}

/** The window cut into bars of whole hours (at most BARS_MAX), each summing the hours it covers. */
export function barsOf(stats: ChartStats, hours: readonly HourCount[]): Bar[] {
  const first = Math.floor(stats.since / HOUR_MS) * HOUR_MS;
  const last = Math.floor(stats.until / HOUR_MS) * HOUR_MS;
  const hourCount = Math.max(1, (last - first) / HOUR_MS + 1);
  const span = Math.ceil(hourCount / BARS_MAX) * HOUR_MS;
  const bars: Bar[] = [];
  for (let start = first; start <= last; start += span) {
    bars.push({ start, end: start + span, succeeded: 0, failed: 0 });
  }
  for (const h of hours) {
    const bar = bars[Math.floor((h.start - first) / span)];
    if (!bar || h.start < first) continue;
    bar.succeeded += h.succeeded;
    bar.failed += h.failed;
  }
  return bars;
}

/** A round axis maximum at or above `n` (1, 2, 5 × 10^k; at least 1). */
export function axisMax(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

/** The figures in words: what a screen reader says for the chart. */
export function chartSummary(stats: ChartStats, bars: readonly Bar[]): string {
  const range = `from ${timeText(bars[0]?.start ?? stats.since)} to ${timeText(stats.until)}`;
  const busiest = bars.reduce<Bar | undefined>(
    (best, b) => (b.succeeded + b.failed > (best ? best.succeeded + best.failed : 0) ? b : best),
    undefined,
  );
  const peak = busiest
    ? `; busiest: ${busiest.succeeded + busiest.failed} attempts from ${clockText(busiest.start)} UTC`
    : "; no attempts";
  return `Attempts ${range}: ${stats.succeeded} succeeded, ${stats.failed} failed${peak}.`;
}

export function attemptsChart(stats: ChartStats, hours: readonly HourCount[]): Html {
  const bars = barsOf(stats, hours);
  const summary = chartSummary(stats, bars);
  const max = axisMax(Math.max(0, ...bars.map((b) => b.succeeded + b.failed)));
  return html`<figure class="attempts-chart">
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${summary}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet" class="chart">
<title>${summary}</title>
${gridLines(max)}${bars.map((b, i) => barMarks(b, i, bars.length, max))}${hourLabels(bars)}
</svg>
<figcaption>${legend()} <span class="chart-note">Per ${barHours(bars)} (UTC); test sends are not counted.</span></figcaption>
${chartTable(bars)}
</figure>`;
}

function barHours(bars: readonly Bar[]): string {
  const first = bars[0];
  const hours = first ? (first.end - first.start) / HOUR_MS : 1;
  return hours === 1 ? "hour" : `${hours} hours`;
}

function gridLines(max: number): Html[] {
  return [0, max / 2, max].map((value) => {
    const y = TOP + PLOT_H - (value / max) * PLOT_H;
    return html`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="#9e9e9e" stroke-width="0.5" class="axis"/><text x="${LEFT - 4}" y="${y + 4}" text-anchor="end" font-size="11" fill="currentColor">${Number.isInteger(value) ? value : value.toFixed(1)}</text>`;
  });
}

function barMarks(bar: Bar, index: number, count: number, max: number): Html {
  const slot = PLOT_W / count;
  const x = round(LEFT + index * slot + slot * 0.1);
  const w = round(slot * 0.8);
  const okH = round((bar.succeeded / max) * PLOT_H);
  const failH = round((bar.failed / max) * PLOT_H);
  const base = TOP + PLOT_H;
  const label = `${clockText(bar.start)}–${clockText(bar.end)} UTC: ${bar.succeeded} succeeded, ${bar.failed} failed`;
  return html`<g class="chart-bar"><title>${label}</title>${
    okH > 0
      ? html`<rect x="${x}" y="${round(base - okH)}" width="${w}" height="${okH}" fill="${SUCCEEDED_FILL}" class="ok"/>`
      : null
  }${
    failH > 0
      ? html`<rect x="${x}" y="${round(base - okH - failH)}" width="${w}" height="${failH}" fill="${FAILED_FILL}" class="bad"/>`
      : null
  }</g>`;
}

/** A label under every bar that starts a 6-hour mark (UTC), or under the first and last. */
function hourLabels(bars: readonly Bar[]): Html[] {
  const slot = PLOT_W / bars.length;
  const marks = bars
    .map((bar, i) => ({ bar, i }))
    .filter(({ bar }) => (bar.start / HOUR_MS) % 6 === 0 && bars.length > 1);
  const shown = marks.length > 0 ? marks : [{ bar: bars[0] as Bar, i: 0 }];
  return shown.map(
    ({ bar, i }) =>
      html`<text x="${round(LEFT + i * slot + slot / 2)}" y="${HEIGHT - 6}" text-anchor="middle" font-size="11" fill="currentColor">${clockText(bar.start)}</text>`,
  );
}

function legend(): Html {
  const swatch = (fill: string) =>
    html`<svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" focusable="false"><rect width="12" height="12" fill="${fill}"/></svg>`;
  return html`<span class="chart-legend">${swatch(SUCCEEDED_FILL)} Succeeded ${swatch(FAILED_FILL)} Failed</span>`;
}

/** The same figures as a table: only the bars with attempts (at most BARS_MAX rows). */
function chartTable(bars: readonly Bar[]): Html {
  const rows = bars.filter((b) => b.succeeded + b.failed > 0);
  if (rows.length === 0) return html`<p class="chart-empty">No attempts in this window.</p>`;
  return html`<details class="chart-table"><summary>Attempts as a table</summary><div class="table-wrap"><table>
<thead><tr><th scope="col">From (UTC)</th><th scope="col">Succeeded</th><th scope="col">Failed</th></tr></thead>
<tbody>${rows.map((b) => html`<tr><td>${timeText(b.start)}</td><td>${b.succeeded}</td><td>${b.failed}</td></tr>`)}</tbody>
</table></div></details>`;
}

const round = (n: number) => Math.round(n * 10) / 10;
