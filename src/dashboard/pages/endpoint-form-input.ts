// Reads the endpoint form (create and edit) into what the webhooks service takes. Only the form's
// own syntax is checked here (a header line without a colon, a rate limit that is not a number);
// what the values may be is the service's to say, with the same 422 the API answers. Problems
// here are named with the service's JSON pointers (/headers, /rate_limit) so that both kinds show
// beside the same field.

import type { FieldIssue } from "../../domain/errors";
import { ALL_EVENTS } from "../../domain/event-catalog";
import type { UpdateWebhookInput, WebhookView } from "../../domain/webhooks-service";

/** The form's fields as text, as typed (to show again after a refusal). */
export interface EndpointFormValues {
  url: string;
  description: string;
  /** Checked event types; ["*"] for "All event types". */
  events: string[];
  channels: string;
  rateLimit: string;
  headers: string;
  enabled: boolean;
}

/** Most lines read from the custom headers box (the service allows 20 headers). */
const HEADER_LINES_MAX = 100;

/** The values a form shows for an existing endpoint. */
export function valuesOf(webhook: WebhookView): EndpointFormValues {
  return {
    url: webhook.url,
    description: webhook.description ?? "",
    events: webhook.events,
    channels: (webhook.channels ?? []).join(", "),
    rateLimit: webhook.rate_limit == null ? "" : String(webhook.rate_limit),
    headers: Object.entries(webhook.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join("\n"),
    enabled: webhook.enabled,
  };
}

export const EMPTY_VALUES: EndpointFormValues = {
  url: "",
  description: "",
  events: [],
  channels: "",
  rateLimit: "",
  headers: "",
  enabled: true,
};

/** The posted form's values. */
export function readValues(form: URLSearchParams): EndpointFormValues {
  return {
    url: (form.get("url") ?? "").trim(),
    description: (form.get("description") ?? "").trim(),
    events: form.getAll("events"),
    channels: form.get("channels") ?? "",
    rateLimit: (form.get("rate_limit") ?? "").trim(),
    headers: form.get("headers") ?? "",
    enabled: form.get("enabled") === "on",
  };
}

/** The update the values stand for (every field given: a full replacement), or the form's problems. */
export function toInput(
  values: EndpointFormValues,
): { input: UpdateWebhookInput } | { issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const headers = parseHeaders(values.headers, issues);
  const rateLimit = parseRateLimit(values.rateLimit, issues);
  if (issues.length > 0) return { issues };
  return {
    input: {
      url: values.url,
      description: values.description === "" ? null : values.description,
      // "All event types" wins over single types checked with it (the script disables them).
      events: values.events.includes(ALL_EVENTS) ? [ALL_EVENTS] : values.events,
      channels: splitChannels(values.channels),
      rate_limit: rateLimit,
      headers,
      enabled: values.enabled,
    },
  };
}

/** "a, b c" → ["a", "b", "c"]: channels separated by commas, spaces or lines. */
export function splitChannels(text: string): string[] {
  return text.split(/[\s,]+/).filter((c) => c !== "");
}

function parseRateLimit(text: string, issues: FieldIssue[]): number | null {
  if (text === "") return null;
  if (!/^[0-9]+$/.test(text)) {
    issues.push({
      field: "/rate_limit",
      reason: "must be a whole number of attempts per second, or empty for no limit",
    });
    return null;
  }
  return Number(text);
}

/** `Name: value` lines (blank lines skipped) into a record; problems named by line. */
export function parseHeaders(text: string, issues: FieldIssue[]): Record<string, string> {
  const headers: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  if (lines.length > HEADER_LINES_MAX) {
    issues.push({ field: "/headers", reason: `must have at most ${HEADER_LINES_MAX} lines` });
    return headers;
  }
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim() : "";
    if (name === "") {
      issues.push({ field: "/headers", reason: `line ${i + 1} is not of the form "Name: value"` });
      return;
    }
    if (seen.has(name.toLowerCase())) {
      issues.push({ field: "/headers", reason: `line ${i + 1} repeats the header ${name}` });
      return;
    }
    seen.add(name.toLowerCase());
    headers[name] = line.slice(colon + 1).trim();
  });
  return headers;
}
