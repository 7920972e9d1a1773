// What the event page and its live updates read: the event (as GET /v1/events/:id), its newest
// deliveries (at most DELIVERIES_SHOWN_MAX) with their attempts, and their endpoints' URLs. Reads
// are bounded: one event, its delivery list, one attempt list per delivery read, one webhook read
// per distinct endpoint whose URL the caller does not already hold.

import { DomainError } from "../../domain/errors";
import type { Services } from "../../domain/services";
import type { AttemptRecord, DeliveryRecord, EventRecord } from "../../storage/records";

/** Deliveries the event page shows with their attempts (an event has one per endpoint, plus replays). */
export const DELIVERIES_SHOWN_MAX = 50;

export interface EventDeliveries {
  event: EventRecord;
  /** Newest first, at most DELIVERIES_SHOWN_MAX. */
  deliveries: DeliveryRecord[];
  /** How many the event has in all. */
  total: number;
}

export interface DeliveryDetail {
  delivery: DeliveryRecord;
  attempts: AttemptRecord[];
  endpointUrl: string | undefined;
}

/** The event and its shown deliveries; DomainError not_found for an unknown or foreign event. */
export async function eventDeliveries(
  services: Services,
  accountId: string,
  eventId: string,
): Promise<EventDeliveries> {
  const { event, deliveries } = await services.events.get(accountId, eventId);
  return { event, deliveries: deliveries.slice(0, DELIVERIES_SHOWN_MAX), total: deliveries.length };
}

/**
 * Each delivery with its attempts and endpoint URL (undefined for a deleted endpoint). `known`:
 * URLs the caller has already read, by endpoint id; only the other endpoints are read.
 */
export async function deliveryDetails(
  services: Services,
  accountId: string,
  deliveries: readonly DeliveryRecord[],
  known: ReadonlyMap<string, string> = new Map(),
): Promise<DeliveryDetail[]> {
  const urls = await endpointUrls(services, accountId, deliveries, known);
  return Promise.all(
    deliveries.map(async (delivery) => ({
      delivery,
      attempts: await attemptsOf(services, accountId, delivery.id),
      endpointUrl: urls.get(delivery.webhook_id),
    })),
  );
}

async function attemptsOf(
  services: Services,
  accountId: string,
  deliveryId: string,
): Promise<AttemptRecord[]> {
  try {
    return (await services.deliveries.get(accountId, deliveryId)).attempts;
  } catch (err) {
    if (err instanceof DomainError && err.kind === "not_found") return []; // removed meanwhile
    throw err;
  }
}

async function endpointUrls(
  services: Services,
  accountId: string,
  deliveries: readonly DeliveryRecord[],
  known: ReadonlyMap<string, string>,
): Promise<Map<string, string>> {
  const ids = [...new Set(deliveries.map((d) => d.webhook_id))].filter((id) => !known.has(id));
  const found = await Promise.all(
    ids.map((id) =>
      services.webhooks.get(accountId, id).then(
        (w) => [id, w.url] as const,
        (err: unknown) => {
          if (err instanceof DomainError && err.kind === "not_found") return undefined;
          throw err;
        },
      ),
    ),
  );
  return new Map([...known, ...found.filter((f) => f !== undefined)]);
}
