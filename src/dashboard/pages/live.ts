// GET /dashboard/live/events/:id (as GET /v1/events/:id): what changed in an event's deliveries
// since the states the page holds. `?known=<delivery id>:<state>,...` lists the page's deliveries
// and their states (deliveryState: attempts, status, next attempt). The answer is JSON:
//   { final, note, order: [section ids, newest first], changed: [{ id, html }] }
// where each `html` is a delivery section from the escaped renderer (components/delivery-section),
// only for deliveries that are new or whose state differs. A poll costs one event read and its
// delivery list, plus one attempt list per changed delivery (at most DELIVERIES_SHOWN_MAX).
// `final` is true once no delivery is pending: the page stops polling.

import { DomainError } from "../../domain/errors";
import { deliverySection, deliverySectionId, deliveryState } from "../components/delivery-section";
import type { PageContext } from "../context";
import { DELIVERIES_SHOWN_MAX, deliveryDetails, eventDeliveries } from "./event-view";

/** Longest `known` parameter read (a delivery id and its state are well under 100 characters). */
export const KNOWN_CHARS_MAX = 100 * (DELIVERIES_SHOWN_MAX + 1);

export interface LiveAnswer {
  final: boolean;
  note: string;
  order: string[];
  changed: { id: string; html: string }[];
}

/** The page's delivery states by id; malformed or excess entries are ignored (answered as new). */
export function parseKnown(value: string | null): Map<string, string> {
  const known = new Map<string, string>();
  if (!value || value.length > KNOWN_CHARS_MAX) return known;
  for (const entry of value.split(",").slice(0, DELIVERIES_SHOWN_MAX)) {
    const colon = entry.indexOf(":");
    if (colon > 0) known.set(entry.slice(0, colon), entry.slice(colon + 1));
  }
  return known;
}

export async function liveHandler(ctx: PageContext): Promise<Response> {
  const known = parseKnown(ctx.url.searchParams.get("known"));
  try {
    return json(200, await liveAnswer(ctx, ctx.params.id ?? "", known));
  } catch (err) {
    if (err instanceof DomainError && err.kind === "not_found")
      return json(404, { error: "There is no event with this id in your account." });
    throw err;
  }
}

async function liveAnswer(
  ctx: PageContext,
  eventId: string,
  known: ReadonlyMap<string, string>,
): Promise<LiveAnswer> {
  const { deliveries } = await eventDeliveries(ctx.services, ctx.accountId, eventId);
  const stale = deliveries.filter((d) => known.get(d.id) !== deliveryState(d));
  const details = await deliveryDetails(ctx.services, ctx.accountId, stale);
  const pending = deliveries.filter((d) => d.status === "pending").length;
  return {
    final: pending === 0,
    note:
      pending === 0
        ? "Every delivery is finished."
        : `${pending} ${pending === 1 ? "delivery is" : "deliveries are"} pending.`,
    order: deliveries.map((d) => deliverySectionId(d.id)),
    changed: details.map((d) => ({
      id: deliverySectionId(d.delivery.id),
      html: deliverySection({ ...d, csrf: ctx.csrf }).text,
    })),
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}
