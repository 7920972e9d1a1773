// GET /dashboard/deliveries (as GET /v1/deliveries): the session's deliveries, newest event first,
// filtered by endpoint, status, event type and time, one bounded page at a time (the service's
// cursor pages: a page examines a bounded part of the history, never the whole). Bad filters are
// answered on the page in words, with the form kept as typed.

import { DomainError } from "../../domain/errors";
import type { EventTypeDefinition } from "../../domain/event-catalog";
import { pageQuery } from "../../domain/paging";
import type { WebhookView } from "../../domain/webhooks-service";
import { toApiError } from "../../http/error-handler";
import type { DeliveryRecord, Page } from "../../storage/records";
import { DELIVERY_STATUSES, statusBadge, statusText } from "../components/delivery-text";
import { localInputValue, parseTimeField, timeText } from "../components/times";
import type { PageContext } from "../context";
import { type Html, html } from "../html";
import { eventPath } from "../paths";
import { type DashboardResult, page } from "../results";
import {
  type DeliveriesQuery,
  deliveriesHref,
  parseDeliveriesQuery,
  queryFields,
  repeatedFields,
} from "./deliveries-query";

/** Deliveries a page asks the service for (GET /v1/deliveries allows at most 100). */
const DELIVERIES_PAGE_LIMIT = 50;
/** Endpoints offered in the filter's select (an account has at most webhooksPerAccountMax). */
const ENDPOINT_CHOICES_MAX = 100;

export interface DeliveriesView {
  query: DeliveriesQuery;
  endpoints: readonly Pick<WebhookView, "id" | "url">[];
  /** True when the account has more endpoints than the select lists. */
  moreEndpoints: boolean;
  eventTypes: readonly string[];
  /** The page read, or undefined when the filters were refused (see problems). */
  result: Page<DeliveryRecord> | undefined;
  problems: readonly string[];
}

export async function deliveriesHandler(ctx: PageContext): Promise<DashboardResult> {
  const view = await loadDeliveries(ctx);
  const status = view.problems.length > 0 ? 422 : 200;
  const error = view.problems.length > 0 ? view.problems.join(" ") : undefined;
  return page("Deliveries", deliveriesBody(view), error ? { status, error } : {});
}

async function loadDeliveries(ctx: PageContext): Promise<DeliveriesView> {
  const { services, accountId } = ctx;
  const query = queryFields(Object.fromEntries(ctx.url.searchParams));
  const parsed = parseDeliveriesQuery(query);
  parsed.problems.unshift(...repeatedFields(ctx.url.searchParams));
  const [endpoints, types] = await Promise.all([
    services.webhooks.list(accountId, { limit: ENDPOINT_CHOICES_MAX }),
    services.eventTypes.list(true),
  ]);
  const view = {
    query,
    endpoints: endpoints.data,
    moreEndpoints: endpoints.next_cursor !== null,
    eventTypes: typeNames(types, ctx.principal.kind === "admin"),
  };
  if (parsed.problems.length > 0) return { ...view, result: undefined, problems: parsed.problems };
  try {
    const result = await services.deliveries.list(
      accountId,
      parsed.filter,
      pageQuery(DELIVERIES_PAGE_LIMIT, parsed.cursor),
    );
    return { ...view, result, problems: [] };
  } catch (err) {
    return { ...view, result: undefined, problems: [listingProblem(err)] };
  }
}

/** Account sessions are offered the account types; the operator's also the operational ones. */
function typeNames(types: readonly EventTypeDefinition[], operator: boolean): string[] {
  return types.filter((t) => operator || !t.operator_only).map((t) => t.type);
}

/** A refusal of the listing in words; anything else is not the customer's doing and is rethrown. */
function listingProblem(err: unknown): string {
  if (toApiError(err)?.code === "invalid_cursor")
    return "This page link is no longer valid (it was changed or made by another listing): start again from the first page.";
  if (err instanceof DomainError && err.kind === "not_found")
    return `The endpoint chosen is not one of yours any more (it may have been deleted): choose another.`;
  if (err instanceof DomainError && err.kind === "invalid")
    return (err.issues ?? []).map((i) => `"${i.field}" ${i.reason}.`).join(" ") || err.message;
  throw err;
}

function deliveriesBody(view: DeliveriesView): Html {
  return html`<h1>Deliveries</h1>
${filterForm(view)}
${view.result ? deliveriesTable(view) : null}`;
}

function filterForm(view: DeliveriesView): Html {
  const q = view.query;
  return html`<form method="get" action="/dashboard/deliveries" class="inline-form filters">
<div class="field"><label for="f-endpoint">Endpoint</label>
<select id="f-endpoint" name="webhook_id"><option value="">All endpoints</option>${endpointOptions(view)}</select></div>
<div class="field"><label for="f-status">Status</label>
<select id="f-status" name="status"><option value="">Any status</option>${DELIVERY_STATUSES.map(
    (s) => html`<option value="${s}"${q.status === s ? " selected" : ""}>${statusText(s)}</option>`,
  )}</select></div>
<div class="field"><label for="f-type">Event type</label>
<select id="f-type" name="event_type"><option value="">All event types</option>${typeOptions(view)}</select></div>
<div class="field"><label for="f-since">Since</label>
<input id="f-since" name="since" type="datetime-local" step="1" value="${timeValue(q.since)}" aria-describedby="f-utc"></div>
<div class="field"><label for="f-until">Until</label>
<input id="f-until" name="until" type="datetime-local" step="1" value="${timeValue(q.until)}" aria-describedby="f-utc"></div>
<p id="f-utc" class="hint">Times are UTC and bound when the event was published (since included, until excluded).</p>
<button type="submit">Filter</button> <a href="/dashboard/deliveries">Clear filters</a>
</form>`;
}

function endpointOptions(view: DeliveriesView): Html[] {
  const chosen = view.query.webhook_id;
  const options = view.endpoints.map(
    (e) => html`<option value="${e.id}"${chosen === e.id ? " selected" : ""}>${e.url}</option>`,
  );
  // A chosen endpoint the select does not list (beyond the first ENDPOINT_CHOICES_MAX, or gone).
  if (chosen && !view.endpoints.some((e) => e.id === chosen))
    options.push(html`<option value="${chosen}" selected>${chosen}</option>`);
  return options;
}

function typeOptions(view: DeliveriesView): Html[] {
  const chosen = view.query.event_type;
  const names = chosen && !view.eventTypes.includes(chosen) ? [...view.eventTypes, chosen] : view.eventTypes;
  return names.map((t) => html`<option value="${t}"${chosen === t ? " selected" : ""}>${t}</option>`);
}

/** A datetime-local value for what was given: normalised when it reads as a time, else as typed. */
function timeValue(value: string | undefined): string {
  if (value === undefined) return "";
  const ms = parseTimeField(value);
  return ms === undefined ? value : localInputValue(ms);
}

function deliveriesTable(view: DeliveriesView): Html {
  const result = view.result as Page<DeliveryRecord>;
  const urls = new Map(view.endpoints.map((e) => [e.id, e.url]));
  const next = result.next_cursor
    ? html`<p class="pager"><a href="${deliveriesHref(view.query, result.next_cursor)}" rel="next">Next page</a></p>`
    : null;
  const first = view.query.cursor
    ? html`<p class="pager"><a href="${deliveriesHref(view.query)}">First page</a></p>`
    : null;
  if (result.data.length === 0) {
    const words = result.next_cursor
      ? "No deliveries on this page: this part of the history holds none that match; the next page looks further back."
      : "No deliveries match these filters.";
    return html`<p class="empty">${words}</p>${next}${first}`;
  }
  return html`<div class="table-wrap"><table class="deliveries">
<caption>Deliveries, newest event first</caption>
<thead><tr><th scope="col">Event</th><th scope="col">Event type</th><th scope="col">Endpoint</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last attempt</th><th scope="col">Created</th></tr></thead>
<tbody>${result.data.map((d) => deliveryRow(d, urls))}</tbody>
</table></div>${next}${first}`;
}

function deliveryRow(d: DeliveryRecord, urls: ReadonlyMap<string, string>): Html {
  const last =
    d.last_attempt_at === null
      ? d.next_attempt_at === null
        ? "None"
        : `None yet (due ${timeText(d.next_attempt_at)})`
      : `${timeText(d.last_attempt_at)}${d.last_status_code === null ? "" : ` (${d.last_status_code})`}`;
  return html`<tr>
<td><a href="${eventPath(d.event_id)}">${d.event_id}</a></td>
<td>${d.event_type}</td>
<td>${urls.get(d.webhook_id) ?? d.webhook_id}</td>
<td>${statusBadge(d.status)}</td>
<td class="num">${d.attempts}</td>
<td>${last}</td>
<td>${timeText(d.created_at)}</td>
</tr>`;
}
