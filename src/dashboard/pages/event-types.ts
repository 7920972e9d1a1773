// GET /dashboard/event-types (as GET /v1/event-types) and GET /dashboard/event-types/:name (as GET
// /v1/event-types/:name): the event catalog, built-in and operator types (archived ones marked),
// and one type's description, JSON schema of its data and example envelope, formatted. The
// operational types only the operator's endpoints receive are listed for admin sessions.

import { DomainError } from "../../domain/errors";
import type { EventTypeDefinition } from "../../domain/event-catalog";
import { timeText } from "../components/times";
import type { PageContext } from "../context";
import { type Html, html } from "../html";
import { eventTypePath } from "../paths";
import { type DashboardResult, page } from "../results";

export async function eventTypesHandler(ctx: PageContext): Promise<DashboardResult> {
  const types = await ctx.services.eventTypes.list(true);
  return page("Event types", eventTypesBody(types, ctx.principal.kind === "admin"));
}

export async function eventTypeHandler(ctx: PageContext): Promise<DashboardResult> {
  const name = ctx.params.name ?? "";
  try {
    const type = await ctx.services.eventTypes.get(name);
    if (type.operator_only && ctx.principal.kind !== "admin") throw DomainError.notFound("event type");
    return page(`Event type ${type.type}`, eventTypeBody(type));
  } catch (err) {
    if (!(err instanceof DomainError && err.kind === "not_found")) throw err;
    return page(
      "Event type not found",
      html`<h1>Event type</h1><p><a href="/dashboard/event-types">All event types</a></p>`,
      {
        status: 404,
        error: "There is no event type by this name.",
      },
    );
  }
}

/** What kind of type it is, in words. */
export function typeKind(t: EventTypeDefinition): string {
  if (t.operator_only) return "Operational (operator's endpoints only)";
  if (!t.defined) return "Built-in";
  return t.defined.archived_at === null ? "Operator's" : "Operator's, archived";
}

export function eventTypesBody(types: readonly EventTypeDefinition[], operator: boolean): Html {
  const shown = types.filter((t) => operator || !t.operator_only);
  return html`<h1>Event types</h1>
<p>The types of event that can be published and that endpoints subscribe to. Open a type for the JSON schema of its data and an example.</p>
<div class="table-wrap"><table class="event-types">
<caption>Event types</caption>
<thead><tr><th scope="col">Type</th><th scope="col">Description</th><th scope="col">Kind</th></tr></thead>
<tbody>${shown.map(
    (t) =>
      html`<tr${archived(t) ? html` class="archived"` : null}><td><a href="${eventTypePath(t.type)}">${t.type}</a></td><td>${t.description}</td><td>${typeKind(t)}</td></tr>`,
  )}</tbody>
</table></div>`;
}

const archived = (t: EventTypeDefinition) => (t.defined?.archived_at ?? null) !== null;

export function eventTypeBody(t: EventTypeDefinition): Html {
  return html`<h1>Event type</h1>
<p><a href="/dashboard/event-types">All event types</a></p>
<dl class="facts">
<dt>Type</dt><dd><code>${t.type}</code></dd>
<dt>Kind</dt><dd>${typeKind(t)}</dd>
<dt>Description</dt><dd>${t.description}</dd>
${t.defined ? html`<dt>Registered</dt><dd>${timeText(t.defined.created_at)}</dd><dt>Changed</dt><dd>${timeText(t.defined.updated_at)}</dd>` : null}
${t.defined?.archived_at ? html`<dt>Archived</dt><dd>${timeText(t.defined.archived_at)}: no new events or subscriptions; its events stay readable.</dd>` : null}
</dl>
<h2>Schema of the data</h2>
<pre class="json" tabindex="0" role="region" aria-label="Schema as JSON">${JSON.stringify(t.schema, null, 2)}</pre>
<h2>Example</h2>
${
  t.example === null
    ? html`<p>No example was registered for this type (a test send of it is refused).</p>`
    : html`<pre class="json" tabindex="0" role="region" aria-label="Example as JSON">${JSON.stringify(t.example, null, 2)}</pre>`
}`;
}
