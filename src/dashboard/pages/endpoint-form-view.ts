// The endpoint form's markup (create and edit): every control labelled, hints and problems tied to
// their control with aria-describedby, a problem marked aria-invalid. Labels are the ones the
// browser tests look for: URL, Description, Event types (legend) with one checkbox per type and
// "All event types", Channels, Rate limit, Custom headers, Enabled (edit only).

import type { FieldIssue } from "../../domain/errors";
import { ALL_EVENTS } from "../../domain/event-catalog";
import { HEADERS_MAX } from "../../domain/webhook-headers";
import { RATE_LIMIT_MAX, RATE_LIMIT_MIN } from "../../domain/webhook-rate-limit";
import { issueField } from "../error-pages";
import { type Html, html } from "../html";
import { endpointPath } from "../paths";
import type { EndpointFormValues } from "./endpoint-form-input";

export type FormMode = { kind: "create" } | { kind: "edit"; id: string };

export interface EndpointFormInput {
  mode: FormMode;
  values: EndpointFormValues;
  /** The types that may be chosen; the endpoint's current ones are shown even when archived. */
  types: string[];
  issues: FieldIssue[];
  csrf: Html;
}

type FieldName = "url" | "description" | "events" | "channels" | "rate_limit" | "headers" | "enabled";
const FIELDS: readonly FieldName[] = [
  "url",
  "description",
  "events",
  "channels",
  "rate_limit",
  "headers",
  "enabled",
];

/** The problems of each field (by the first segment of the issue's pointer); the rest under "other". */
function issuesByField(issues: readonly FieldIssue[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const issue of issues) {
    const first = issueField(issue).split("/")[0] ?? "";
    const key = (FIELDS as readonly string[]).includes(first) ? first : "other";
    by.set(key, [...(by.get(key) ?? []), issue.reason]);
  }
  return by;
}

export function endpointForm(input: EndpointFormInput): Html {
  const { mode, values } = input;
  const errors = issuesByField(input.issues);
  const action = mode.kind === "create" ? "/dashboard/endpoints" : endpointPath(mode.id);
  const cancel = mode.kind === "create" ? "/dashboard/endpoints" : action;
  const other = errors.get("other");
  return html`<h1>${mode.kind === "create" ? "New endpoint" : "Edit endpoint"}</h1>
${other ? html`<ul class="field-error">${other.map((r) => html`<li>${r}</li>`)}</ul>` : ""}
<form method="post" action="${action}" class="stack panel">
${input.csrf}
${textField("url", "URL", values.url, "Where the events are sent, e.g. https://example.com/webhooks.", errors, "url")}
${textField("description", "Description", values.description, "Optional: a note for you and your team.", errors)}
${eventTypes(input.types, values.events, errors.get("events"))}
${textField("channels", "Channels", values.channels, "Optional: only events carrying one of these channels (separate with commas). Empty: every event of its types.", errors)}
${rateLimit(values.rateLimit, errors.get("rate_limit"))}
${headersField(values.headers, errors.get("headers"))}
${mode.kind === "edit" ? enabledField(values.enabled, errors.get("enabled")) : ""}
<div class="actions"><button type="submit" class="primary">${mode.kind === "create" ? "Create endpoint" : "Save changes"}</button><a href="${cancel}">Cancel</a></div>
</form>`;
}

/** The hint and the problems under a control, and the attributes that tie them to it. */
function described(id: string, hint: string, problems: string[] | undefined): { attrs: Html; after: Html } {
  const ids = [`${id}-hint`, ...(problems ? [`${id}-error`] : [])].join(" ");
  return {
    attrs: html` aria-describedby="${ids}"${problems ? html` aria-invalid="true"` : ""}`,
    after: html`<p class="hint" id="${id}-hint">${hint}</p>${problems ? html`<p class="field-error" id="${id}-error">${problems.join(" ")}</p>` : ""}`,
  };
}

function textField(
  id: FieldName,
  label: string,
  value: string,
  hint: string,
  errors: Map<string, string[]>,
  type: "text" | "url" = "text",
): Html {
  const { attrs, after } = described(id, hint, errors.get(id));
  const required = id === "url" ? html` required` : "";
  return html`<div><label for="${id}">${label}</label><input type="${type}" id="${id}" name="${id}" value="${value}"${required}${attrs}>${after}</div>`;
}

function eventTypes(types: string[], chosen: string[], problems: string[] | undefined): Html {
  const all = chosen.includes(ALL_EVENTS);
  const shown = [...types, ...chosen.filter((t) => t !== ALL_EVENTS && !types.includes(t))];
  const { attrs, after } = described("events", "Choose the types this endpoint receives.", problems);
  return html`<fieldset${attrs}><legend>Event types</legend>
<label class="check"><input type="checkbox" name="events" value="${ALL_EVENTS}" data-all-types${all ? html` checked` : ""}> All event types</label>
<div class="checks">${shown.map(
    (type) =>
      html`<label class="check"><input type="checkbox" name="events" value="${type}"${chosen.includes(type) ? html` checked` : ""}> <span class="mono">${type}</span></label>`,
  )}</div>
${after}</fieldset>`;
}

function rateLimit(value: string, problems: string[] | undefined): Html {
  const { attrs, after } = described(
    "rate_limit",
    `Optional: at most this many attempts per second (${RATE_LIMIT_MIN} to ${RATE_LIMIT_MAX.toLocaleString("en-US")}). Empty: no limit.`,
    problems,
  );
  return html`<div><label for="rate_limit">Rate limit</label><input type="number" id="rate_limit" name="rate_limit" inputmode="numeric" min="${RATE_LIMIT_MIN}" max="${RATE_LIMIT_MAX}" step="1" value="${value}"${attrs}>${after}</div>`;
}

function headersField(value: string, problems: string[] | undefined): Html {
  const { attrs, after } = described(
    "headers",
    `Optional: sent with every attempt, one per line as Name: value (at most ${HEADERS_MAX}).`,
    problems,
  );
  return html`<div><label for="headers">Custom headers</label><textarea id="headers" name="headers" rows="4" spellcheck="false"${attrs}>${value}</textarea>${after}</div>`;
}

function enabledField(enabled: boolean, problems: string[] | undefined): Html {
  const { attrs, after } = described(
    "enabled",
    "A disabled endpoint receives nothing, and its pending deliveries are cancelled.",
    problems,
  );
  return html`<div><label class="check"><input type="checkbox" id="enabled" name="enabled"${enabled ? html` checked` : ""}${attrs}> Enabled</label>${after}</div>`;
}
