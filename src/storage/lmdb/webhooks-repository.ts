// Webhooks, stored by [accountId, webhookId] (so an account's listing is one range and a foreign id
// simply misses) with a webhookId -> accountId index for the delivery engine's lookups by id.
// Invariant kept with the delivery and event code: a delivery is pending only while its webhook
// exists and is enabled; delete and disable cancel the backlog in the same transaction.

import { OPERATOR_ACCOUNT_ID } from "../../domain/operator";
import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import type { DisabledReason, Page, PageQuery, WebhookRecord } from "../records";
import type { WebhookRepository, WebhookVersion } from "../store";
import { cancelPendingDeliveries } from "./cancellation";
import { TOP } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import type { ReadCaches } from "./read-cache";
import { settled } from "./sync-read";
import type { WriteBatcher } from "./write-batcher";

/** Read inside a write job: through the transaction, never from the cache. */
const getWebhook = (dbs: Databases, accountId: string, id: string) =>
  dbs.webhooks.get([accountId, id]) as WebhookRecord | undefined;

/** `webhook` with the secrets of `stored`: updates never change them (rotateSecret does). */
function withSecretsOf(webhook: WebhookRecord, stored: WebhookRecord): WebhookRecord {
  const { previous_secret: _dropped, ...rest } = webhook;
  return stored.previous_secret
    ? { ...rest, secret: stored.secret, previous_secret: stored.previous_secret }
    : { ...rest, secret: stored.secret };
}

/** Records stored before rotation existed lack previous_secret, which reads as "none". */
function rotatedWebhook(
  stored: WebhookRecord,
  secret: string,
  previousExpiresAt: number | null,
  at: number,
): WebhookRecord {
  const { previous_secret: _older, ...rest } = stored;
  const next: WebhookRecord = { ...rest, secret, updated_at: Math.max(at, stored.updated_at) };
  if (previousExpiresAt !== null)
    next.previous_secret = { secret: stored.secret, expires_at: previousExpiresAt };
  return next;
}

/** `stored` disabled for `reason` at `at`; updated_at never goes back. */
function disabledWebhook(stored: WebhookRecord, reason: DisabledReason, at: number): WebhookRecord {
  return {
    ...stored,
    enabled: false,
    disabled_reason: reason,
    disabled_at: at,
    updated_at: Math.max(at, stored.updated_at),
  };
}

/** The account's webhooks, counted up to `atMost` (getKeysCount would ignore a limit and count all). */
function countOfAccount(dbs: Databases, accountId: string, atMost: number): number {
  let count = 0;
  for (const _ of dbs.webhooks.getKeys({ start: [accountId], end: [accountId, TOP], limit: atMost })) count++;
  return count;
}

/** Newest id first. */
function listWebhooks(dbs: Databases, accountId: string, page: PageQuery): Page<WebhookRecord> {
  const limit = pageLimit(page.limit);
  const after = page.cursor ? (decodeCursor(page.cursor, "wh", [accountId], ["string"])[0] as string) : TOP;
  const data: WebhookRecord[] = [];
  const range = dbs.webhooks.getRange({
    start: [accountId, after],
    end: [accountId],
    reverse: true,
    exclusiveStart: true,
    limit: limit + 1,
  });
  for (const { value } of range) data.push(value as WebhookRecord);
  return pageOf(data, limit, (last) => encodeCursor("wh", [accountId], [last.id]));
}

export function webhooksRepository(
  dbs: Databases,
  writer: WriteBatcher,
  caches: ReadCaches,
  /** Stamps cancellations and deletions; the store's one clock. */
  clock: () => number,
): WebhookRepository {
  const byId = (id: string) =>
    caches.webhooks.get(id, () => {
      const accountId = dbs.webhookOwners.get(id);
      return accountId === undefined
        ? undefined
        : (dbs.webhooks.get([accountId, id]) as WebhookRecord | undefined);
    });
  const get = (accountId: string, id: string) => {
    const webhook = byId(id);
    return webhook?.account_id === accountId ? webhook : undefined;
  };
  const ofAccount = (accountId: string) =>
    caches.webhookLists.get(accountId, () => {
      const out: WebhookRecord[] = [];
      for (const { value } of dbs.webhooks.getRange({ start: [accountId], end: [accountId, TOP] }))
        out.push(value as WebhookRecord);
      return out;
    }) ?? [];
  // Run when a job that changes webhooks starts (the reads that follow it in its transaction, such
  // as a publish checking a webhook, must not see the cached state from before) and after it commits.
  const changed = () => {
    caches.webhooks.clear();
    caches.webhookLists.clear();
  };

  return {
    create(webhook: WebhookRecord, perAccountMax?: number): Promise<boolean> {
      return writer.run(() => {
        changed();
        if (dbs.webhookOwners.get(webhook.id) !== undefined)
          throw new Error(`webhook ${webhook.id} already exists`);
        // The operator's webhooks belong to no stored account (src/domain/operator.ts).
        if (
          webhook.account_id !== OPERATOR_ACCOUNT_ID &&
          dbs.accounts.get(webhook.account_id) === undefined
        ) {
          throw new Error(`account ${webhook.account_id} does not exist`);
        }
        // Counted through this job's transaction, after every job before it: two creates can never
        // both pass the last free place. Stops at the limit, so it costs at most that many keys.
        if (
          perAccountMax !== undefined &&
          countOfAccount(dbs, webhook.account_id, perAccountMax) >= perAccountMax
        )
          return false;
        dbs.webhooks.putSync([webhook.account_id, webhook.id], webhook);
        dbs.webhookOwners.putSync(webhook.id, webhook.account_id);
        return true;
      }, changed);
    },

    get: (accountId, id) => settled(() => get(accountId, id)),

    getById: (id) => settled(() => byId(id)),

    list: (accountId, page) => settled(() => listWebhooks(dbs, accountId, page)),

    subscribers: (accountId, type) =>
      settled(() =>
        ofAccount(accountId).filter(
          (webhook) => webhook.enabled && (webhook.events.includes(type) || webhook.events.includes("*")),
        ),
      ),

    update(webhook: WebhookRecord, expected?: WebhookVersion): Promise<boolean | "stale"> {
      return writer.run((): boolean | "stale" => {
        changed();
        const stored = getWebhook(dbs, webhook.account_id, webhook.id);
        if (!stored) return false;
        if (expected && (stored.updated_at !== expected.updated_at || stored.enabled !== expected.enabled))
          return "stale";
        dbs.webhooks.putSync([webhook.account_id, webhook.id], withSecretsOf(webhook, stored));
        if (!webhook.enabled) cancelPendingDeliveries(dbs, webhook.id, webhook.updated_at);
        return true;
      }, changed);
    },

    rotateSecret(accountId, id, secret, previousExpiresAt, at): Promise<WebhookRecord | undefined> {
      return writer.run(() => {
        changed();
        const stored = getWebhook(dbs, accountId, id);
        if (!stored) return undefined;
        const rotated = rotatedWebhook(stored, secret, previousExpiresAt, at);
        dbs.webhooks.putSync([accountId, id], rotated);
        return rotated;
      }, changed);
    },

    disable(id, reason, at): Promise<WebhookRecord | undefined> {
      return writer.run(() => {
        changed();
        const accountId = dbs.webhookOwners.get(id) as string | undefined;
        const stored = accountId === undefined ? undefined : getWebhook(dbs, accountId, id);
        // Already disabled (by another caller, or by hand): this call reports nothing.
        if (accountId === undefined || !stored?.enabled) return undefined;
        const disabled = disabledWebhook(stored, reason, at);
        dbs.webhooks.putSync([accountId, id], disabled);
        cancelPendingDeliveries(dbs, id, at);
        return disabled;
      }, changed);
    },

    delete(accountId: string, id: string): Promise<boolean> {
      const at = clock();
      return writer.run(() => {
        changed();
        if (!getWebhook(dbs, accountId, id)) return false;
        dbs.webhooks.removeSync([accountId, id]);
        dbs.webhookOwners.removeSync(id);
        cancelPendingDeliveries(dbs, id, at);
        return true;
      }, changed);
    },
  };
}
