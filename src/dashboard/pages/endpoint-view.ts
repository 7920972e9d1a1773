// The endpoint page's markup: settings, health, chart, latest attempts, and the action forms with
// the labels the browser tests use (Edit, Delete, Reveal secret, Rotate secret, Event type + Send
// test event, Since + Recover).

import type { WebhookStats } from "../../domain/stats-service";
import type { WebhookView } from "../../domain/webhooks-service";
import type { AttemptRecord } from "../../storage/records";
import { errorText } from "../components/delivery-text";
import { durationText, localInputValue } from "../components/times";
import { type Html, html } from "../html";
import { endpointPath, eventPath } from "../paths";
import { disabledWords, lastOutcome, successRate, timeTag } from "./endpoint-health";

/** A signing secret shown once on this answer. */
export interface SecretShown {
  value: string;
  /** When the previous secret stops signing (after a rotation); null when none. */
  previousExpiresAt: number | null;
}

export interface EndpointViewInput {
  webhook: WebhookView;
  stats: WebhookStats;
  chart: Html;
  attempts: AttemptRecord[];
  /** Types a test event can be sent as (those with an example). */
  testTypes: string[];
  secret?: SecretShown;
  csrf: Html;
  now: number;
}

const DAY_MS = 86_400_000;

export function endpointView(input: EndpointViewInput): Html {
  const { webhook } = input;
  const base = endpointPath(webhook.id);
  return html`<div class="page-head"><h1>Endpoint</h1>
<div class="actions"><a class="button" href="${base}/edit">Edit</a><a class="button danger" href="${base}/delete">Delete</a></div></div>
${input.secret ? secretPanel(input.secret) : ""}
${settings(webhook)}
<h2>Last 24 hours</h2>
${health(input.stats)}
<div class="panel">${input.chart}</div>
${actions(input, base)}
<h2>Latest attempts</h2>
${attemptsTable(input.attempts)}
<p><a href="/dashboard/deliveries?webhook_id=${encodeURIComponent(webhook.id)}">All deliveries of this endpoint</a></p>`;
}

function secretPanel(secret: SecretShown): Html {
  const previous =
    secret.previousExpiresAt === null
      ? ""
      : html`<p class="hint">The previous secret keeps signing too until ${timeTag(secret.previousExpiresAt)}, so receivers can switch.</p>`;
  return html`<section class="panel" aria-labelledby="secret-heading"><h2 id="secret-heading">Signing secret</h2>
<p>Use it to verify the signatures of the deliveries. It is shown on this page only: copy it now.</p>
<p class="secret"><code class="wrap-anywhere" data-copy="signing secret">${secret.value}</code></p>
${previous}</section>`;
}

function settings(webhook: WebhookView): Html {
  const state = webhook.enabled
    ? html`<span class="badge ok">Enabled</span>`
    : html`<span class="badge bad">Disabled</span> ${disabledWords(webhook)}${webhook.disabled_at ? html`, since ${timeTag(webhook.disabled_at)}` : ""}`;
  const events = webhook.events.includes("*") ? "All event types" : webhook.events.join(", ");
  const headerNames = Object.keys(webhook.headers ?? {});
  return html`<div class="panel"><dl class="facts">
<dt>URL</dt><dd class="mono">${webhook.url}</dd>
<dt>Description</dt><dd>${webhook.description ?? html`<span class="muted">None</span>`}</dd>
<dt>State</dt><dd>${state}</dd>
${webhook.destination_blocked ? html`<dt>Destination</dt><dd><span class="badge warn">Blocked</span> ${webhook.destination_blocked}</dd>` : ""}
<dt>Event types</dt><dd>${events}</dd>
<dt>Channels</dt><dd>${webhook.channels?.length ? webhook.channels.join(", ") : html`<span class="muted">None: every event of its types</span>`}</dd>
<dt>Rate limit</dt><dd>${webhook.rate_limit ? `${webhook.rate_limit} attempts per second` : html`<span class="muted">None</span>`}</dd>
<dt>Custom headers</dt><dd>${headerNames.length ? headerNames.join(", ") : html`<span class="muted">None</span>`}</dd>
<dt>Created</dt><dd>${timeTag(webhook.created_at)}</dd>
<dt>ID</dt><dd class="mono">${webhook.id}</dd>
</dl></div>`;
}

function health(stats: WebhookStats): Html {
  const latency =
    stats.latency_ms.p50 === null
      ? "—"
      : `${stats.latency_ms.p50} / ${stats.latency_ms.p90} / ${stats.latency_ms.p99} ms`;
  return html`<div class="panel"><dl class="facts">
<dt>Attempts</dt><dd>${stats.attempts} (${stats.succeeded} succeeded, ${stats.failed} failed)</dd>
<dt>Success rate</dt><dd>${successRate(stats)}</dd>
<dt>Last attempt</dt><dd>${lastOutcome(stats)}</dd>
${stats.failing_since ? html`<dt>Failing since</dt><dd>${timeTag(stats.failing_since)}</dd>` : ""}
<dt>Latency (p50 / p90 / p99)</dt><dd>${latency}</dd>
<dt>Waiting deliveries</dt><dd>${stats.pending}</dd>
</dl></div>`;
}

function actions(input: EndpointViewInput, base: string): Html {
  const first = input.webhook.events.find((t) => input.testTypes.includes(t));
  return html`<h2>Actions</h2>
<div class="panel">
<h3>Signing secret</h3>
<div class="actions">
<form method="post" action="${base}/secret">${input.csrf}<button type="submit">Reveal secret</button></form>
<form method="post" action="${base}/secret/rotate" data-confirm="Rotate the signing secret? The current one keeps signing for 24 hours, then only the new one does.">${input.csrf}<button type="submit">Rotate secret</button></form>
</div>
<h3>Test</h3>
<form method="post" action="${base}/test" class="inline-form">${input.csrf}
<div><label for="test-type">Event type</label><select id="test-type" name="event_type">${input.testTypes.map(
    (t) => html`<option value="${t}"${t === first ? html` selected` : ""}>${t}</option>`,
  )}</select></div>
<button type="submit">Send test event</button></form>
<h3>Recover failed deliveries</h3>
<form method="post" action="${base}/recover" class="inline-form">${input.csrf}
<div><label for="recover-since">Since</label><input type="datetime-local" id="recover-since" name="since" step="1" required value="${localInputValue(input.now - DAY_MS)}" aria-describedby="recover-hint"></div>
<button type="submit">Recover</button></form>
<p class="hint" id="recover-hint">Time in UTC. Every delivery created since then that failed or was cancelled is attempted again.</p>
</div>`;
}

function attemptsTable(attempts: AttemptRecord[]): Html {
  if (attempts.length === 0)
    return html`<p class="muted">No attempts yet. Send a test event to try the endpoint.</p>`;
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Outcome</th><th scope="col" class="num">Status code</th><th scope="col" class="num">Duration</th><th scope="col">Error</th></tr></thead>
<tbody>${attempts.map(attemptRow)}</tbody></table></div>`;
}

function attemptRow(a: AttemptRecord): Html {
  const event = a.test
    ? html`<span class="mono">${a.event_type}</span> <span class="badge idle">Test</span>`
    : html`<a class="mono" href="${eventPath(a.event_id)}">${a.event_type}</a>`;
  const outcome =
    a.outcome === "succeeded"
      ? html`<span class="badge ok">Succeeded</span>`
      : html`<span class="badge bad">Failed</span>`;
  return html`<tr><td>${timeTag(a.started_at)}</td><td>${event}</td><td>${outcome}</td><td class="num">${a.status_code ?? "—"}</td><td class="num">${durationText(a.duration_ms)}</td><td class="wrap-anywhere">${errorText(a.error_class, a.error_message)}</td></tr>`;
}
