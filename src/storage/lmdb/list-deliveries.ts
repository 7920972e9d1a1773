// DeliveryRepository.list on LMDB: chooses how a page is answered. Pending deliveries (of one
// webhook or of the whole account) come from the pending-by-webhook index while it holds few
// (./pending-listing.ts); everything else walks the account's events (./delivery-listing.ts). Both
// page by the same position, so a listing may switch paths between pages (a backlog growing past
// the index path's bound).

import type { DeliveryFilter, PageQuery } from "../records";
import { type ListingResult, listByEvents } from "./delivery-listing";
import type { Databases } from "./lmdb-databases";
import { listPending } from "./pending-listing";

export function listDeliveries(
  dbs: Databases,
  accountId: string,
  filter: DeliveryFilter,
  page: PageQuery,
): ListingResult {
  return listPending(dbs, accountId, filter, page) ?? listByEvents(dbs, accountId, filter, page);
}
