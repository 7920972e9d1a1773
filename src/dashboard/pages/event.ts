// GET /dashboard/events/:id (as GET /v1/events/:id): the event's payload as formatted JSON, each
// of its deliveries with every attempt and a Retry button, and a Replay form. While a delivery is
// pending the page carries the live-update hooks (assets/live.js polls /dashboard/live/events/:id);
// without script its "Refresh" link reloads it.

import { DomainError } from "../../domain/errors";
import { toRfc3339 } from "../../http/rfc3339";
import type { EventRecord } from "../../storage/records";
import { deliverySection } from "../components/delivery-section";
import { timeText } from "../components/times";
import type { PageContext } from "../context";
import { type Html, html } from "../html";
import { eventPath, eventTypePath } from "../paths";
import { type DashboardResult, type PageOptions, page } from "../results";
import { type DeliveryDetail, deliveryDetails, eventDeliveries } from "./event-view";

/** Endpoints offered as a replay target (an account has at most webhooksPerAccountMax). */
const REPLAY_CHOICES_MAX = 100;

const NO_EVENT =
  "There is no event with this id in your account (it may have been removed after the retention period).";

function liveHref(eventId: string): string {
  return `/dashboard/live/events/${encodeURIComponent(eventId)}`;
}

export async function eventHandler(ctx: PageContext): Promise<DashboardResult> {
  return eventPage(ctx, ctx.params.id ?? "");
}

/** The event page, with `options` (an action's error and status) when an action answers it. */
export async function eventPage(
  ctx: PageContext,
  eventId: string,
  options: PageOptions = {},
): Promise<DashboardResult> {
  const { services, accountId } = ctx;
  let found: Awaited<ReturnType<typeof eventDeliveries>>;
  try {
    found = await eventDeliveries(services, accountId, eventId);
  } catch (err) {
    if (err instanceof DomainError && err.kind === "not_found") {
      return page(
        "Event not found",
        html`<h1>Event</h1><p><a href="/dashboard/deliveries">Back to deliveries</a></p>`,
        {
          status: 404,
          error: options.error ? `${options.error} ${NO_EVENT}` : NO_EVENT,
        },
      );
    }
    throw err;
  }
  // The replay choices hold the URLs of the deliveries' endpoints: they are not read again.
  const endpoints = await services.webhooks.list(accountId, { limit: REPLAY_CHOICES_MAX });
  const listed = new Map(endpoints.data.map((e) => [e.id, e.url]));
  const details = await deliveryDetails(services, accountId, found.deliveries, listed);
  const pending = details.some((d) => d.delivery.status === "pending");
  const body = eventBody({
    event: found.event,
    details,
    total: found.total,
    endpoints: endpoints.data,
    csrf: ctx.csrf,
  });
  return page(`Event ${found.event.id}`, body, pending ? { ...options, scripts: ["live.js"] } : options);
}

export interface EventBodyInput {
  event: EventRecord;
  details: readonly DeliveryDetail[];
  total: number;
  endpoints: readonly { id: string; url: string }[];
  csrf: Html;
}

function eventBody(input: EventBodyInput): Html {
  const { event, details } = input;
  const pending = details.some((d) => d.delivery.status === "pending");
  return html`<h1>Event</h1>
<dl class="facts">
<dt>Id</dt><dd><code>${event.id}</code></dd>
<dt>Type</dt><dd><a href="${eventTypePath(event.type)}">${event.type}</a></dd>
<dt>Published</dt><dd>${timeText(event.created_at)}</dd>
${event.channels ? html`<dt>Channels</dt><dd>${event.channels.join(", ")}</dd>` : null}
</dl>
<h2>Payload</h2>
<pre class="json" tabindex="0" role="region" aria-label="Payload as JSON">${envelopeJson(event)}</pre>
${replayForm(input)}
<h2 id="deliveries-h">Deliveries</h2>
<p class="live-note"><span id="live-text" aria-live="polite">${pending ? "Some deliveries are pending." : null}</span> <a href="${eventPath(event.id)}">Refresh</a></p>
<div id="deliveries"${pending ? html` data-live-url="${liveHref(event.id)}"` : null}>
${details.length === 0 ? html`<p class="empty">This event has no deliveries: no endpoint was subscribed to its type when it was published.</p>` : null}
${details.map((d) => deliverySection({ ...d, csrf: input.csrf }))}
</div>
${input.total > details.length ? html`<p>The ${input.total - details.length} oldest deliveries are not shown.</p>` : null}`;
}

/** The envelope as receivers get it, indented (channels are not part of it). */
function envelopeJson(event: EventRecord): string {
  return JSON.stringify(
    { id: event.id, type: event.type, created_at: toRfc3339(event.created_at), data: event.data },
    null,
    2,
  );
}

function replayForm(input: EventBodyInput): Html {
  const action = `${eventPath(input.event.id)}/replay`;
  return html`<form method="post" action="${action}" class="inline-form replay">${input.csrf}
<div class="field"><label for="replay-to">Replay to</label>
<select id="replay-to" name="webhook_id"><option value="">Every endpoint subscribed to ${input.event.type} now</option>${input.endpoints.map(
    (e) => html`<option value="${e.id}">${e.url}</option>`,
  )}</select></div>
<button type="submit">Replay</button>
<p class="hint" id="replay-hint">Sends the event again as new deliveries, due now; earlier deliveries stay as they are.</p>
</form>`;
}
