// DeliveryRepository.list on LMDB: chooses how a page is answered. A webhook's pending deliveries
// come from the pending-by-webhook index while it holds few (./pending-listing.ts); everything else
// walks the account's events (./delivery-listing.ts). Both page by the same position, so a listing
// may switch paths between pages (a webhook's backlog growing past the index path's bound).

import type { DeliveryFilter, PageQuery } from "../records";
import { type ListingResult, listByEvents } from "./delivery-listing";
import type { Databases } from "./lmdb-databases";
import { listPendingOfWebhook } from "./pending-listing";

export function listDeliveries(
  dbs: Databases,
  accountId: string,
  filter: DeliveryFilter,
  page: PageQuery,
): ListingResult {
  return listPendingOfWebhook(dbs, accountId, filter, page) ?? listByEvents(dbs, accountId, filter, page);
}
