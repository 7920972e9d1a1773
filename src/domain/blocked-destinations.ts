// Webhooks whose destination the SSRF guard refuses now. A webhook registered to a loopback, private
// or link-local address while INBOX_ALLOW_PRIVATE_TARGETS was on keeps its record when the server
// restarts without it; every delivery to it then fails. Rather than rewrite the record (a restart
// with the flag on again should simply work again), the refusal is computed from the URL whenever the
// webhook is shown, and listed in the operator's log at start.
//
// Only what the URL says is checked (IP literals and localhost names), never DNS: host names that
// resolve to such addresses are refused at each attempt, with `ssrf_blocked` in the delivery log.

import type { Logger } from "../observability/logger";
import type { Page, WebhookRecord } from "../storage/records";
import type { Store } from "../storage/store";
import { checkWebhookUrl } from "./webhook-destination";

/** Start-up log lines naming one webhook each; the rest are counted in one summary line. */
const LOGGED_BLOCKED_MAX = 20;
/** Records read per listing call while scanning. */
const SCAN_PAGE = 100;

/** Why deliveries to `url` are refused on this server, or null when they are not. */
export function blockedDestinationReason(url: string, allowPrivateTargets: boolean): string | null {
  if (allowPrivateTargets) return null;
  const issue = checkWebhookUrl(url, false);
  if (issue === undefined) return null;
  return `${issue.reason}, and this server does not deliver to private, loopback or link-local addresses: every delivery fails until the URL is changed`;
}

/** Every stored webhook whose destination is refused now, account by account, page by page. */
export async function* blockedWebhooks(
  store: Pick<Store, "accounts" | "webhooks">,
  allowPrivateTargets: boolean,
  pageSize = SCAN_PAGE,
): AsyncGenerator<{ webhook: WebhookRecord; reason: string }> {
  if (allowPrivateTargets) return;
  for await (const account of everyItem((cursor) => store.accounts.list({ limit: pageSize, cursor }))) {
    for await (const webhook of everyItem((cursor) =>
      store.webhooks.list(account.id, { limit: pageSize, cursor }),
    )) {
      const reason = blockedDestinationReason(webhook.url, false);
      if (reason !== null) yield { webhook, reason };
    }
  }
}

/** Every item of a listing, read page by page. */
async function* everyItem<T>(list: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    yield* page.data;
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
}

/**
 * Logs one warning per blocked webhook (its account, id and reason; never the URL, which may carry
 * secrets in its path or query), at most `max` of them, then one summary with the total. Answers the
 * total.
 */
export async function logBlockedWebhooks(
  store: Pick<Store, "accounts" | "webhooks">,
  allowPrivateTargets: boolean,
  logger: Pick<Logger, "warn">,
  max = LOGGED_BLOCKED_MAX,
): Promise<number> {
  let total = 0;
  for await (const { webhook, reason } of blockedWebhooks(store, allowPrivateTargets)) {
    total++;
    if (total <= max) {
      logger.warn("webhook destination not allowed", {
        account_id: webhook.account_id,
        webhook_id: webhook.id,
        enabled: webhook.enabled,
        reason,
      });
    }
  }
  if (total > 0) {
    logger.warn("webhooks with destinations this server refuses", {
      total,
      logged: Math.min(total, max),
      hint: "registered while INBOX_ALLOW_PRIVATE_TARGETS was on; their deliveries fail until their URLs change (GET /v1/webhooks shows destination_blocked)",
    });
  }
  return total;
}
