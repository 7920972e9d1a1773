// The deliveries page's filters, read from its query string into the DeliveryFilter GET
// /v1/deliveries takes, every bad value named in words. Empty fields (a submitted form's blanks)
// mean "any". Pure.

import type { DeliveryFilter } from "../../storage/records";
import { DELIVERY_STATUSES, isDeliveryStatus, statusText } from "../components/delivery-text";
import { parseTimeField } from "../components/times";

export interface DeliveriesQuery {
  webhook_id?: string;
  status?: string;
  event_type?: string;
  since?: string;
  until?: string;
  cursor?: string;
}

export interface ParsedDeliveriesQuery {
  filter: DeliveryFilter;
  cursor?: string;
  /** What is wrong with the filters, in words; the listing is not read while there is any. */
  problems: string[];
}

/** Longest value any field may have (ids, type names and cursors are far shorter). */
export const FIELD_CHARS_MAX = 512;

const LABELS: Record<keyof DeliveriesQuery, string> = {
  webhook_id: "Endpoint",
  status: "Status",
  event_type: "Event type",
  since: "Since",
  until: "Until",
  cursor: "Next page",
};

/** The query's fields as given, blanks dropped (what the form shows and the next page link keeps). */
export function queryFields(query: Record<string, unknown>): DeliveriesQuery {
  const out: DeliveriesQuery = {};
  for (const key of Object.keys(LABELS) as (keyof DeliveriesQuery)[]) {
    const value = query[key];
    if (typeof value === "string" && value.trim() !== "") out[key] = value.trim();
  }
  return out;
}

/** A problem for each filter the address gives more than once (which one was meant is unknown). */
export function repeatedFields(params: URLSearchParams): string[] {
  return (Object.keys(LABELS) as (keyof DeliveriesQuery)[])
    .filter((key) => params.getAll(key).length > 1)
    .map((key) => `"${LABELS[key]}" is given more than once: give it once.`);
}

export function parseDeliveriesQuery(query: DeliveriesQuery): ParsedDeliveriesQuery {
  const problems: string[] = [];
  for (const key of Object.keys(query) as (keyof DeliveriesQuery)[]) {
    if ((query[key]?.length ?? 0) > FIELD_CHARS_MAX)
      problems.push(`"${LABELS[key]}" is too long (at most ${FIELD_CHARS_MAX} characters).`);
  }
  if (problems.length > 0) return { filter: {}, problems };
  const filter: DeliveryFilter = {};
  if (query.webhook_id) filter.webhook_id = query.webhook_id;
  if (query.event_type) filter.event_type = query.event_type;
  if (query.status) {
    if (isDeliveryStatus(query.status)) filter.status = query.status;
    else problems.push(`"Status" must be one of: ${DELIVERY_STATUSES.map(statusText).join(", ")}.`);
  }
  readTime(query.since, "Since", (ms) => (filter.since = ms), problems);
  readTime(query.until, "Until", (ms) => (filter.until = ms), problems);
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until)
    problems.push(`"Since" must not be after "Until".`);
  return query.cursor ? { filter, cursor: query.cursor, problems } : { filter, problems };
}

function readTime(value: string | undefined, label: string, set: (ms: number) => void, problems: string[]) {
  if (value === undefined) return;
  const ms = parseTimeField(value);
  if (ms === undefined)
    problems.push(`"${label}" is not a date and time: pick one, or type it as 2026-12-03T17:00 (UTC).`);
  else set(ms);
}

/** The page's address with these fields (and `cursor` when given), for links and redirects. */
export function deliveriesHref(query: DeliveriesQuery, cursor?: string): string {
  const params = new URLSearchParams();
  for (const key of ["webhook_id", "status", "event_type", "since", "until"] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  if (cursor) params.set("cursor", cursor);
  const text = params.toString();
  return text === "" ? "/dashboard/deliveries" : `/dashboard/deliveries?${text}`;
}
