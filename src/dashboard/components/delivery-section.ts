// One delivery of an event as the event page shows it: endpoint, state, the Retry form and every
// attempt (time, status code, duration, error class, stored response excerpt). The live endpoint
// answers the same markup for a delivery that changed, so the page and its updates never differ.
// Pure; every value is escaped by the html template.

import type { AttemptRecord, DeliveryRecord } from "../../storage/records";
import { type Html, html } from "../html";
import { endpointPath } from "../paths";
import { errorText, statusBadge } from "./delivery-text";
import { durationText, timeText } from "./times";

/** Attempts shown per delivery, newest kept (a delivery has at most its retry schedule's, unless retried often). */
export const ATTEMPTS_SHOWN_MAX = 100;
/** Characters of a response excerpt shown before "Show all" (the store keeps at most 4 KiB). */
const EXCERPT_CHARS = 120;

export interface DeliverySectionInput {
  delivery: DeliveryRecord;
  attempts: readonly AttemptRecord[];
  /** The endpoint's URL when known (deleted endpoints are shown by id). */
  endpointUrl: string | undefined;
  /** The session's hidden CSRF field for the Retry form. */
  csrf: Html;
}

/** What the live updates compare: a delivery changes when it gains an attempt or changes state. */
export function deliveryState(d: Pick<DeliveryRecord, "attempts" | "status" | "next_attempt_at">): string {
  return `${d.attempts}-${d.status}-${d.next_attempt_at ?? ""}`;
}

export function deliverySectionId(deliveryId: string): string {
  return `delivery-${deliveryId}`;
}

export function deliverySection(input: DeliverySectionInput): Html {
  const d = input.delivery;
  const headingId = `${deliverySectionId(d.id)}-h`;
  return html`<section class="delivery" id="${deliverySectionId(d.id)}" data-delivery-id="${d.id}" data-state="${deliveryState(d)}" aria-labelledby="${headingId}">
<h3 id="${headingId}">Delivery to ${input.endpointUrl ?? d.webhook_id}</h3>
<dl class="facts">
<dt>Status</dt><dd>${statusBadge(d.status)}</dd>
<dt>Delivery</dt><dd><code>${d.id}</code></dd>
<dt>Endpoint</dt><dd>${endpointLink(d.webhook_id, input.endpointUrl)}</dd>
<dt>Attempts</dt><dd>${d.attempts}</dd>
${d.next_attempt_at === null ? null : html`<dt>Next attempt</dt><dd>${timeText(d.next_attempt_at)}</dd>`}
</dl>
${retryForm(d, input.csrf)}
${attemptsTable(d, input.attempts)}
</section>`;
}

function endpointLink(webhookId: string, url: string | undefined): Html {
  return url === undefined
    ? html`<code>${webhookId}</code> (deleted)`
    : html`<a href="${endpointPath(webhookId)}">${url}</a>`;
}

/** Retry is offered unless the delivery succeeded (the service refuses that: nothing to send). */
function retryForm(d: DeliveryRecord, csrf: Html): Html | null {
  if (d.status === "succeeded") return null;
  return html`<form method="post" action="${`/dashboard/deliveries/${encodeURIComponent(d.id)}/retry`}" class="inline-form">${csrf}<button type="submit">Retry</button></form>`;
}

function attemptsTable(d: DeliveryRecord, attempts: readonly AttemptRecord[]): Html {
  if (attempts.length === 0) {
    return html`<p class="empty">No attempt yet.</p>`;
  }
  const shown = attempts.slice(-ATTEMPTS_SHOWN_MAX);
  const hidden = attempts.length - shown.length;
  return html`<div class="table-wrap"><table class="attempts">
<caption>Attempts of delivery ${d.id}, oldest first${hidden > 0 ? ` (the ${hidden} oldest not shown)` : ""}</caption>
<thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Status code</th><th scope="col">Duration</th><th scope="col">Error</th><th scope="col">Response</th></tr></thead>
<tbody>${shown.map(attemptRow)}</tbody>
</table></div>`;
}

function attemptRow(a: AttemptRecord): Html {
  return html`<tr class="${`attempt attempt-${a.outcome}`}">
<td>${a.attempt}</td>
<td>${timeText(a.started_at)}</td>
<td>${a.status_code === null ? "None" : a.status_code}</td>
<td>${durationText(a.duration_ms)}</td>
<td>${a.outcome === "succeeded" ? "None" : errorText(a.error_class, a.error_message) || "Failed"}</td>
<td>${responseExcerpt(a.response_body)}</td>
</tr>`;
}

function responseExcerpt(body: string | null): Html | string {
  if (body === null || body === "") return "Empty";
  if (body.length <= EXCERPT_CHARS) return html`<pre class="response">${body}</pre>`;
  return html`<details class="response"><summary>${body.slice(0, EXCERPT_CHARS)}…</summary><pre class="response">${body}</pre></details>`;
}
