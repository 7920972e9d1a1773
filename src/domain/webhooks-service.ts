// Webhook registration, listing, updates, deletion and test sends, all within one account: a
// customer's account, or the operator's (src/domain/operator.ts), whose webhooks subscribe to the
// operational event types only, while an account's subscribe to the account types only ("*" means
// the types of its own kind).

import type { AttemptRecord, Page, PageQuery, WebhookRecord } from "../storage/records";
import type { Store } from "../storage/store";
import { blockedDestinationReason } from "./blocked-destinations";
import { channelIssues, storedChannels, WEBHOOK_CHANNELS_MAX } from "./channels";
import type { DeliveryPort } from "./delivery-port";
import { DomainError, type FieldIssue } from "./errors";
import { ALL_EVENTS, type CatalogSource, type EventCatalog } from "./event-catalog";
import { newId } from "./ids";
import { LimitExceededError } from "./limits";
import { isOperator } from "./operator";
import { checkWebhookUrl } from "./webhook-destination";
import type { WebhookDisabling } from "./webhook-disabling";
import { headerIssues } from "./webhook-headers";
import { rateLimitIssue } from "./webhook-rate-limit";
import { activePrevious, generateSecret, rotationOverlapMs } from "./webhook-secret";

/** A webhook's description, at most this many characters (here, not only in the API's schema: the dashboard calls this service). */
export const DESCRIPTION_CHARS_MAX = 500;

/** The per-webhook controls of issue 11, as create and update take them. */
export interface WebhookControlsInput {
  /** Sent with every attempt (./webhook-headers.ts); {} for none. */
  headers?: Record<string, string>;
  /** Attempts per second at most; null for none. */
  rate_limit?: number | null;
  /** Only events sharing one of them (./channels.ts); [] for every event of its types. */
  channels?: string[];
}

export interface CreateWebhookInput extends WebhookControlsInput {
  url: string;
  events: string[];
  description?: string | null;
}

export interface UpdateWebhookInput extends WebhookControlsInput {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

/** A webhook's secrets as its account sees them; the previous one only while its overlap lasts. */
export interface WebhookSecrets {
  secret: string;
  previous_secret: string | null;
  /** When the previous secret stops signing (ms); null when there is none. */
  previous_expires_at: number | null;
}

/** A webhook as callers see it: the record, and why its destination is refused now (else null). */
export type WebhookView = WebhookRecord & { destination_blocked: string | null };

export interface WebhooksServiceDeps {
  store: Store;
  /** The account event types: the built-in ones and the operator's, as of now. */
  catalog: CatalogSource;
  /** The operational event types, which only the operator's webhooks may subscribe to. */
  operationalCatalog: EventCatalog;
  /** Reports a webhook its account disabled (PUT enabled: false), as every disable is reported. */
  disabling: WebhookDisabling;
  delivery: DeliveryPort;
  allowPrivateTargets: boolean;
  /** Most webhooks an account may have; creating one more is refused (LimitExceededError). */
  webhooksPerAccountMax: number;
  now: () => number;
}

export class WebhooksService {
  constructor(private readonly deps: WebhooksServiceDeps) {}

  async create(accountId: string, input: CreateWebhookInput): Promise<WebhookView> {
    await this.assertValid(accountId, input);
    const now = this.deps.now();
    const webhook: WebhookRecord = {
      id: newId("wh", now),
      account_id: accountId,
      url: input.url,
      events: input.events,
      description: input.description ?? null,
      enabled: true,
      secret: generateSecret(),
      disabled_reason: null,
      disabled_at: null,
      ...controls({}, input),
      created_at: now,
      updated_at: now,
    };
    const max = this.deps.webhooksPerAccountMax;
    if (!(await this.deps.store.webhooks.create(webhook, max)))
      throw LimitExceededError.webhooksPerAccount(max);
    await this.deps.store.flushed();
    return this.view(webhook);
  }

  /** The webhook, or not_found when it is missing or belongs to another account. */
  async get(accountId: string, id: string): Promise<WebhookView> {
    return this.view(await this.record(accountId, id));
  }

  async list(accountId: string, page: PageQuery): Promise<Page<WebhookView>> {
    const found = await this.deps.store.webhooks.list(accountId, page);
    return { data: found.data.map((w) => this.view(w)), next_cursor: found.next_cursor };
  }

  /**
   * Applies the given fields to the webhook as stored. The edit is written as a compare-and-set on
   * the record it was made from: when the webhook changed meanwhile (the engine disabled it, another
   * replica wrote it), the edit is made again from a fresh read, up to UPDATE_TRIES times, else
   * 409 conflict. So an edit never re-enables a webhook disabled after it was read. enabled: false
   * then disables it for reason "manual" through the store's atomic disable (its pending deliveries
   * cancelled in the same write), reported only by the call that disabled it; a webhook already
   * disabled keeps its reason and time. enabled: true clears both; the deliveries cancelled
   * meanwhile stay cancelled (POST /v1/webhooks/{id}/recover sends them again).
   */
  async update(accountId: string, id: string, input: UpdateWebhookInput): Promise<WebhookView> {
    let edited = await this.record(accountId, id);
    if (!onlyDisables(input)) edited = await this.writeEdit(accountId, id, input, edited);
    if (input.enabled !== false || !edited.enabled) return this.view(edited);
    const disabled = await this.deps.disabling.disable(id, "manual");
    await this.deps.store.flushed();
    // Undefined: disabled (or deleted) by someone else meanwhile, who reported it; show it as it is.
    return this.view(disabled ?? (await this.record(accountId, id)));
  }

  /** The edit written over the freshest record it could be made from (see update). */
  private async writeEdit(
    accountId: string,
    id: string,
    input: UpdateWebhookInput,
    read: WebhookRecord,
  ): Promise<WebhookRecord> {
    let current = read;
    for (let tried = 1; ; tried++) {
      await this.assertValid(accountId, input, current.events);
      const next = edited(current, input, this.deps.now());
      const written = await this.deps.store.webhooks.update(next, current);
      if (written === false) throw DomainError.notFound("webhook");
      if (written === true) {
        await this.deps.store.flushed();
        return next;
      }
      if (tried >= UPDATE_TRIES)
        throw DomainError.conflict("the webhook kept changing while this update was applied; send it again");
      // After "stale" the store reads it fresh (store contract), not from its read cache.
      current = await this.record(accountId, id);
    }
  }

  async delete(accountId: string, id: string): Promise<void> {
    if (!(await this.deps.store.webhooks.delete(accountId, id))) throw DomainError.notFound("webhook");
    await this.deps.store.flushed();
  }

  /**
   * Gives the webhook a new secret. The old one keeps signing for `overlap` (default 24 h, "0s":
   * retired now); an overlap still running from an earlier rotation ends now.
   */
  async rotateSecret(accountId: string, id: string, overlap?: string): Promise<WebhookSecrets> {
    const overlapMs = rotationOverlapMs(overlap);
    const now = this.deps.now();
    const rotated = await this.deps.store.webhooks.rotateSecret(
      accountId,
      id,
      generateSecret(),
      // Whole seconds, rounded up: the API shows the expiry in RFC 3339 seconds, and what it shows
      // is exactly when the previous secret stops signing.
      overlapMs > 0 ? Math.ceil((now + overlapMs) / 1000) * 1000 : null,
      now,
    );
    if (!rotated) throw DomainError.notFound("webhook");
    await this.deps.store.flushed();
    return secretsOf(rotated, now);
  }

  /** The current secret, and the previous one while its overlap lasts. */
  async secrets(accountId: string, id: string): Promise<WebhookSecrets> {
    return secretsOf(await this.record(accountId, id), this.deps.now());
  }

  /**
   * Sends an event of `eventType` to the webhook once, now, and answers the attempt: with `data` when
   * given (validated against the type like a publish: 422 naming /data/...), else the type's sample.
   */
  async sendTest(
    accountId: string,
    webhookId: string,
    eventType: string,
    given?: Record<string, unknown>,
  ): Promise<AttemptRecord> {
    const catalog = await this.catalogOf(accountId);
    if (!catalog.has(eventType)) {
      const reason = catalog.get(eventType)
        ? catalog.refusal(eventType)
        : `must be a known event type: ${catalog.types().join(", ")}`;
      throw DomainError.invalid("unknown event type", [{ field: "/event_type", reason }]);
    }
    if (given !== undefined) {
      const issues = catalog.validate(eventType, given);
      if (issues.length > 0) throw DomainError.invalid("the test event is not valid", issues.slice(0, 100));
    }
    const data = given ?? catalog.sample(eventType);
    if (!data) {
      const reason = `event type "${eventType}" has no example to send; give it one (PUT /v1/event-types/${eventType})`;
      throw DomainError.invalid("unknown event type", [{ field: "/event_type", reason }]);
    }
    const webhook = await this.record(accountId, webhookId);
    const now = this.deps.now();
    return this.deps.delivery.sendTest(webhook, {
      id: newId("evt", now),
      account_id: accountId,
      type: eventType,
      created_at: now,
      data,
      test: true,
    });
  }

  private async record(accountId: string, id: string): Promise<WebhookRecord> {
    const webhook = await this.deps.store.webhooks.get(accountId, id);
    if (!webhook) throw DomainError.notFound("webhook");
    return webhook;
  }

  /** Computed on every read, not stored: a restart with private targets allowed again clears it. */
  private view(webhook: WebhookRecord): WebhookView {
    return {
      ...webhook,
      // Records stored before disabling was tracked lack both: a disabled one was disabled by hand.
      disabled_reason: webhook.disabled_reason ?? (webhook.enabled ? null : "manual"),
      disabled_at: webhook.disabled_at ?? null,
      destination_blocked: blockedDestinationReason(webhook.url, this.deps.allowPrivateTargets),
    };
  }

  /** The event types the account's webhooks may subscribe to. */
  private catalogOf(accountId: string): Promise<EventCatalog> {
    return isOperator(accountId) ? this.deps.operationalCatalog.current() : this.deps.catalog.current();
  }

  /** `subscribed`: the webhook's types now, which it keeps even when archived since. */
  private async assertValid(
    accountId: string,
    input: UpdateWebhookInput,
    subscribed: readonly string[] = [],
  ): Promise<void> {
    const issues: FieldIssue[] = [];
    if (input.url !== undefined) {
      const issue = checkWebhookUrl(input.url, this.deps.allowPrivateTargets);
      if (issue) issues.push(issue);
    }
    if (input.events !== undefined)
      issues.push(...(await this.eventIssues(accountId, input.events, subscribed)));
    if (typeof input.description === "string" && input.description.length > DESCRIPTION_CHARS_MAX)
      issues.push({ field: "/description", reason: `must be at most ${DESCRIPTION_CHARS_MAX} characters` });
    issues.push(...controlIssues(input));
    // Operational events carry no channels: an operator's webhook with channels would get none.
    if (isOperator(accountId) && input.channels !== undefined && input.channels.length > 0)
      issues.push({
        field: "/channels",
        reason: "the operator's webhooks receive operational events, which carry no channels: leave it empty",
      });
    if (issues.length > 0) throw DomainError.invalid("the webhook is not valid", issues);
  }

  private async eventIssues(
    accountId: string,
    events: string[],
    subscribed: readonly string[],
  ): Promise<FieldIssue[]> {
    const catalog = await this.catalogOf(accountId);
    const other = await (isOperator(accountId) ? this.deps.catalog : this.deps.operationalCatalog).current();
    const issues: FieldIssue[] = [];
    if (events.length === 0) issues.push({ field: "/events", reason: "must list at least one event type" });
    const seen = new Set<string>();
    events.forEach((type, i) => {
      if (seen.has(type)) issues.push({ field: `/events/${i}`, reason: `duplicates "${type}"` });
      seen.add(type);
      if (type === ALL_EVENTS || catalog.has(type)) return;
      if (subscribed.includes(type) && catalog.get(type)) return; // archived since it subscribed
      const known = `${catalog.types().join(", ")}, or "*" for all`;
      issues.push({
        field: `/events/${i}`,
        reason: other.has(type)
          ? misplacedType(type, isOperator(accountId), known)
          : catalog.refusal(type, known),
      });
    });
    return issues;
  }
}

/** Why an operational type on an account webhook, or an account type on the operator's, is refused. */
function misplacedType(type: string, operator: boolean, known: string): string {
  return operator
    ? `"${type}" is an account event type; the operator's webhooks receive the operational types: ${known}`
    : `"${type}" is an operational event type, only for the operator's webhooks (registered with the admin key and no account_id); known types: ${known}`;
}

/** Why the controls asked for cannot be registered. */
function controlIssues(input: WebhookControlsInput): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (input.headers !== undefined) issues.push(...headerIssues(input.headers));
  const rateIssue = input.rate_limit === undefined ? undefined : rateLimitIssue(input.rate_limit);
  if (rateIssue) issues.push(rateIssue);
  if (input.channels !== undefined)
    issues.push(...channelIssues(input.channels, "/channels", WEBHOOK_CHANNELS_MAX));
  return issues;
}

/**
 * The controls after applying `input` to `current` (a field not given stays as it was). None is
 * stored as absent (no headers, no limit, no channels), so a record without them reads the same.
 */
function controls(
  current: Pick<WebhookRecord, "headers" | "rate_limit" | "channels">,
  input: WebhookControlsInput,
): Pick<WebhookRecord, "headers" | "rate_limit" | "channels"> {
  const headers = input.headers ?? current.headers;
  const rateLimit = input.rate_limit !== undefined ? input.rate_limit : current.rate_limit;
  const channels = storedChannels(input.channels ?? current.channels);
  return {
    ...(headers && Object.keys(headers).length > 0 ? { headers: { ...headers } } : {}),
    ...(rateLimit !== undefined && rateLimit !== null ? { rate_limit: rateLimit } : {}),
    ...(channels ? { channels } : {}),
  };
}

/** Tries of an update's compare-and-set before it answers 409 (each after a fresh read). */
const UPDATE_TRIES = 5;

/** An update that asks for nothing but enabled: false: one atomic disable, no edit to write. */
function onlyDisables(input: UpdateWebhookInput): boolean {
  return (
    input.enabled === false &&
    Object.entries(input).every(([field, value]) => field === "enabled" || value === undefined)
  );
}

/**
 * `current` with the update's fields, enabled as it is unless enabled: true (disabling is the
 * store's atomic disable, see update). updated_at always rises, so that it tells every edit apart.
 */
function edited(current: WebhookRecord, input: UpdateWebhookInput, now: number): WebhookRecord {
  const { headers: _h, rate_limit: _r, channels: _c, ...kept } = current;
  return {
    ...kept,
    url: input.url ?? current.url,
    events: input.events ?? current.events,
    description: input.description !== undefined ? input.description : current.description,
    ...enabling(current, input.enabled),
    ...controls(current, input),
    updated_at: Math.max(now, current.updated_at + 1),
  };
}

/** The enabled state after an update asking for `enabled`: true enables; otherwise unchanged. */
function enabling(
  current: WebhookRecord,
  enabled: boolean | undefined,
): Pick<WebhookRecord, "enabled" | "disabled_reason" | "disabled_at"> {
  if (enabled === true) return { enabled: true, disabled_reason: null, disabled_at: null };
  return {
    enabled: current.enabled,
    disabled_reason: current.disabled_reason ?? null,
    disabled_at: current.disabled_at ?? null,
  };
}

function secretsOf(webhook: WebhookRecord, now: number): WebhookSecrets {
  const previous = activePrevious(webhook, now);
  return {
    secret: webhook.secret,
    previous_secret: previous ?? null,
    previous_expires_at: previous === undefined ? null : (webhook.previous_secret?.expires_at ?? null),
  };
}
