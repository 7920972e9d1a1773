// Cancelling a webhook's pending deliveries (on delete, on disable, on account delete). Uses the
// webhook -> pending deliveries index, so the cost is proportional to that webhook's backlog and
// never to the whole queue. Runs inside the caller's write transaction, so the cancellation is
// atomic with whatever change caused it. Cancelled deliveries enter the unsuccessful index
// (./unsuccessful-index.ts), from which recovery takes them back.

import type { DeliveryRecord, WebhookRecord } from "../records";
import { drainUnder } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import type { ReadCaches } from "./read-cache";
import { readStoredDelivery, rewriteDelivery } from "./stored-records";
import { noteStatus } from "./unsuccessful-index";

/** Marks each pending delivery of the webhook cancelled and removes its queue entry; answers how many. */
export function cancelPendingDeliveries(dbs: Databases, webhookId: string, at: number): number {
  return drainUnder<number>(dbs.pendingByWebhook, [webhookId], ({ key, value: due }) => {
    const deliveryId = key[1] as string;
    dbs.queue.removeSync([due, deliveryId]);
    const stored = readStoredDelivery(dbs, deliveryId);
    if (stored?.delivery.status === "pending") {
      const cancelled: DeliveryRecord = {
        ...stored.delivery,
        status: "cancelled",
        next_attempt_at: null,
        updated_at: at,
      };
      rewriteDelivery(dbs, stored, cancelled);
      noteStatus(dbs, stored.delivery, cancelled);
    }
  });
}

/**
 * True when deliveries to this webhook may be pending: it exists and is enabled. With `caches`, the
 * webhook may come from the read cache: exact inside a write transaction too, because every job
 * that changes webhooks clears that cache when it starts and again after it commits (or rolls back).
 */
export function acceptsDeliveries(
  dbs: Databases,
  accountId: string,
  webhookId: string,
  caches?: ReadCaches,
): boolean {
  const load = () => dbs.webhooks.get([accountId, webhookId]) as WebhookRecord | undefined;
  const webhook = caches ? caches.webhooks.get(webhookId, load) : load();
  return webhook?.account_id === accountId && webhook.enabled === true;
}
