// The delivery engine: takes due delivery ids from the scheduler, runs each attempt under the
// global and per-webhook caps, records its outcome and the next step in the store, and answers
// test sends. The only implementation of DeliveryPort.
//
// Guarantees:
// - at least once: an attempt's result is recorded only after the request finished; an attempt
//   cut short by shutdown (or a crash) leaves its delivery pending in the store, due as before, so
//   it is made again after restart. Results are not flushed one by one: an unflushed result after a
//   crash only means one more delivery, which receivers deduplicate by event id;
// - a delivery id is attempted by one attempt at a time (the scheduler skips ids held here);
// - a webhook at its cap queues only its own deliveries; other webhooks go on while global slots
//   remain (see KeyedLimiter);
// - each event's envelope is built once for all its attempts while it stays in a cache bounded by
//   count and total length (EnvelopeCache); the events announced by a publish are put there, so
//   their first attempts need not read them back. The store stays the truth: a miss reads it;
// - secrets and URLs never reach the logs (they name webhook, delivery and event ids).

import type { Config } from "../config/config";
import type { DeliveryPort } from "../domain/delivery-port";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import { DueScheduler, type DueSchedulerOptions } from "../scheduler/due-scheduler";
import type { AttemptRecord, DeliveryRecord, DueEntry, EventRecord, WebhookRecord } from "../storage/records";
import type { Store } from "../storage/store";
import { attemptRecord, MISSING_EVENT, nextStep, reportAttempt } from "./attempt-outcome";
import { type Envelope, EnvelopeCache, envelopeOf } from "./envelope";
import { KeyedLimiter } from "./keyed-limiter";
import { createTargetResolver, type TargetResolver } from "./resolve-target";
import { type SendOutcome, send } from "./sender";

export interface DeliveryEngine extends DeliveryPort {
  start(): void;
  /** The envelope cache's fill, for tests. */
  readonly envelopes: EnvelopeCacheView;
  /**
   * Stops taking new work and waits up to `graceMs` for attempts in flight; those still running
   * then are abandoned unrecorded and stay in the store's queue, to be made again after restart.
   */
  stop(graceMs: number): Promise<void>;
}

export type SchedulerTuning = Pick<
  DueSchedulerOptions,
  "horizonMs" | "maxHeld" | "batch" | "refillMs" | "rescanMs" | "tickMs"
>;

export interface DeliveryEngineDeps {
  store: Store;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  version: string;
  now?: () => number;
  /** Scheduler memory and pacing; the defaults suit production. */
  scheduler?: SchedulerTuning;
  /** Deliveries one webhook may have waiting in memory beyond its cap; the rest wait in the store. */
  queuePerWebhook?: number;
  resolver?: TargetResolver;
  /** Extra trust anchors (PEM) for receivers with private certificates; tests only. */
  tlsCa?: string;
  /** Bounds of the envelope cache; the defaults suit production. */
  envelopes?: { maxEntries?: number; maxChars?: number };
}

/** What the engine can read of its envelope cache; tests only. */
export interface EnvelopeCacheView {
  readonly size: number;
  readonly totalChars: number;
}

/** A wheel timer may fire this much before an entry's due time without it counting as early. */
const EARLY_SLACK_MS = 50;
/** Envelope cache bounds: enough for every first attempt of a burst, at most 8 Mi characters. */
const ENVELOPES_MAX = 4_096;
const ENVELOPE_CHARS_MAX = 8 * 1024 * 1024;
/** Announced events are cached only when one of their deliveries falls due within this. */
const ANNOUNCE_HORIZON_MS = 60_000;
/** Announced deliveries kept for their first attempt (about 1 KiB each). */
const ANNOUNCED_MEMORY = 4_096;
/** Refused deliveries whose webhook is remembered (two short strings each). */
const REFUSED_MEMORY = 50_000;

export function createDeliveryEngine(deps: DeliveryEngineDeps): DeliveryEngine {
  const { store, config, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const userAgent = `InboxWebhooks/${deps.version}`;
  const resolver = deps.resolver ?? createTargetResolver({ allowPrivate: config.allowPrivateTargets });
  const shutdown = new AbortController();
  let accepting = true;

  /** Every id held here: waiting in `incoming`, queued behind its webhook, or in flight. */
  const held = new Set<string>();
  /** Due ids not yet looked at, oldest first (an array with a moving head: O(1) shift). */
  let incoming: string[] = [];
  let incomingHead = 0;
  /**
   * Delivery records already in hand, each with the (wall clock) time it was current: announced by
   * their publish (at most ANNOUNCED_MEMORY of those; later ones are read when due), or read when
   * their id entered its webhook's lane. Taking an id into a lane and making its attempt then need
   * no read. A webhook changed since that time (disabled, re-enabled) makes the attempt read the
   * delivery afresh, since the change may have cancelled it.
   */
  const known = new Map<string, { delivery: DeliveryRecord; at: number }>();
  /**
   * The webhook of each delivery refused by its full lane, so that while the lane stays full the
   * delivery is left in the store again without being read again. Bounded; oldest forgotten first.
   */
  const refusedWebhook = new Map<string, { webhookId: string; due: number }>();
  /** Attempts running now, including test sends, so that stop() can wait for them. */
  const running = new Set<Promise<unknown>>();
  /**
   * Envelopes of recent events. Only retention deletes an event, once it is older than the
   * retention period; answering only younger ones means an event deleted (and its id perhaps used
   * again since) is never answered from here.
   */
  const envelopes = new EnvelopeCache({
    maxEntries: deps.envelopes?.maxEntries ?? ENVELOPES_MAX,
    maxChars: deps.envelopes?.maxChars ?? ENVELOPE_CHARS_MAX,
    maxAgeMs: config.retentionMs,
    now,
  });

  const track = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    work.finally(() => running.delete(work)).catch(() => {});
    return work;
  };

  const lane = Math.max(1, deps.queuePerWebhook ?? 1_000);
  /** Webhooks whose lane refused deliveries: when it drains to half, the store is re-read for them. */
  const refusedLanes = new Set<string>();

  const limiter = new KeyedLimiter<string>({
    global: Math.max(1, config.concurrency),
    perKey: Math.max(1, config.webhookConcurrency),
    queuePerKey: lane,
    // The slot is the receiver's: it is freed once the exchange with the receiver ends, while the
    // outcome is still being written (the id stays held until then, so it cannot fire twice).
    run: (_webhookId, id) =>
      track(
        attempt(id).then(
          (recording) => {
            if (!recording) {
              held.delete(id);
              return;
            }
            track(recording.catch((err) => crashed(id, err)).finally(() => held.delete(id)));
          },
          (err) => {
            held.delete(id);
            crashed(id, err);
          },
        ),
      ),
    onSlotFree: (webhookId) => {
      pumpIncoming();
      scheduler.poke();
      if (refusedLanes.has(webhookId) && limiter.waitingFor(webhookId) <= lane / 2) {
        refusedLanes.delete(webhookId);
        scheduler.rescanSoon();
      }
    },
  });

  const scheduler = new DueScheduler({
    ...deps.scheduler,
    queue: store.queue,
    logger,
    now,
    onDue: (id) => {
      if (!accepting || held.has(id)) return;
      held.add(id);
      incoming.push(id);
      pumpIncoming();
    },
    holds: (id) => held.has(id),
    held: () => held.size,
  });

  metrics.addGauge("inbox_delivery_attempts_in_flight", "Delivery attempts in flight.", () => limiter.active);
  metrics.addGauge(
    "inbox_scheduler_wheel_entries",
    "Pending attempts held in the timer wheel.",
    () => scheduler.size,
  );

  /** Moves due ids to their webhook's lane while global slots are free. */
  function pumpIncoming(): void {
    while (accepting && limiter.hasGlobalRoom() && incomingHead < incoming.length) {
      const id = incoming[incomingHead] as string;
      incoming[incomingHead++] = "";
      const refused = refusedWebhook.get(id);
      if (refused !== undefined && limiter.waitingFor(refused.webhookId) >= lane) {
        held.delete(id);
        refusedLanes.add(refused.webhookId);
        // Its true due time: the re-read after the lane drains starts from the earliest left out.
        scheduler.leftOut({ delivery_id: id, due: refused.due });
        continue;
      }
      const inHand = known.get(id);
      const delivery = inHand?.delivery ?? store.deliveries.getById(id);
      if (delivery?.status !== "pending") {
        known.delete(id);
        held.delete(id);
        continue;
      }
      if (delivery.next_attempt_at !== null && delivery.next_attempt_at > now() + EARLY_SLACK_MS) {
        // Rescheduled since it was loaded: wait for the store's due time instead.
        known.delete(id);
        held.delete(id);
        scheduler.schedule({ delivery_id: id, due: delivery.next_attempt_at });
        continue;
      }
      if (!inHand) known.set(id, { delivery, at: Date.now() });
      // A webhook with a full lane leaves its delivery in the store; a re-read brings it back once
      // the lane has drained (or at the periodic re-read).
      if (limiter.offer(delivery.webhook_id, id) === "refused") {
        known.delete(id);
        held.delete(id);
        refusedLanes.add(delivery.webhook_id);
        if (refusedWebhook.size >= REFUSED_MEMORY) {
          refusedWebhook.delete(refusedWebhook.keys().next().value as string);
        }
        const due = delivery.next_attempt_at ?? now();
        refusedWebhook.set(id, { webhookId: delivery.webhook_id, due });
        scheduler.leftOut({ delivery_id: id, due });
      }
    }
    if (incomingHead === incoming.length) {
      incoming = [];
      incomingHead = 0;
    } else if (incomingHead > 4096 && incomingHead * 2 > incoming.length) {
      incoming = incoming.slice(incomingHead);
      incomingHead = 0;
    }
  }

  /**
   * Makes one attempt. Resolves when the receiver's exchange is over, with the write of its
   * outcome (still running), or with nothing when there was nothing to record.
   */
  async function attempt(id: string): Promise<Promise<void> | undefined> {
    const early = known.get(id);
    known.delete(id);
    refusedWebhook.delete(id);
    let delivery = early?.delivery ?? store.deliveries.getById(id);
    if (delivery?.status !== "pending" || !accepting) return;
    const webhook = store.webhooks.getById(delivery.webhook_id);
    // A deleted or disabled webhook's pending deliveries are cancelled by the store.
    if (!webhook?.enabled) return;
    if (early && webhook.updated_at >= early.at) {
      delivery = store.deliveries.getById(id);
      if (delivery?.status !== "pending") return;
    }
    const event = envelopeFor(delivery.account_id, delivery.event_id);
    const attemptNo = delivery.attempts + 1;
    const startedAt = now();
    const outcome = event ? await sendOnce(webhook, event, id, attemptNo) : MISSING_EVENT;
    // Cut short by shutdown: record nothing, so the delivery stays due and is made again.
    if (shutdown.signal.aborted) return;
    const update = nextStep(outcome, attemptNo, config, now(), event !== null);
    const record = attemptRecord({ delivery, event, webhook, attempt: attemptNo, startedAt, outcome });
    return store.deliveries.recordAttempt(record, update).then((stored) => {
      reportAttempt({ metrics, logger, now }, delivery, record, update, stored);
      if (stored?.status === "pending" && stored.next_attempt_at !== null) {
        held.delete(id);
        scheduler.schedule({ delivery_id: id, due: stored.next_attempt_at });
      }
    });
  }

  /** The event's envelope, from the cache or else built from the store; null when it is gone. */
  function envelopeFor(accountId: string, eventId: string): Envelope | null {
    const cached = envelopes.get(accountId, eventId);
    if (cached) return cached;
    const event = store.events.get(accountId, eventId);
    if (!event) return null;
    const envelope = envelopeOf(event);
    envelopes.put(accountId, envelope);
    return envelope;
  }

  function crashed(id: string, err: unknown): void {
    logger.error("delivery attempt crashed", { delivery_id: id, error: errorText(err) });
  }

  function sendOnce(
    webhook: WebhookRecord,
    event: Envelope,
    deliveryId: string | null,
    attemptNo: number,
  ): Promise<SendOutcome> {
    return send(
      { url: webhook.url, secret: webhook.secret },
      { body: event.body, eventId: event.id, eventType: event.type, deliveryId, attempt: attemptNo },
      { resolver, timeoutMs: config.timeoutMs, userAgent, signal: shutdown.signal, now, tlsCa: deps.tlsCa },
    );
  }

  return {
    start() {
      if (!accepting) throw new Error("a stopped delivery engine cannot start again");
      scheduler.start();
    },

    async stop(graceMs: number) {
      accepting = false;
      scheduler.stop();
      limiter.pause();
      // Queued ids stay due in the store; only attempts already running are waited for.
      for (const id of limiter.drain()) held.delete(id);
      known.clear();
      refusedWebhook.clear();
      envelopes.clear();
      for (let i = incomingHead; i < incoming.length; i++) held.delete(incoming[i] as string);
      incoming = [];
      incomingHead = 0;
      if (running.size === 0) return;
      const settled = Promise.allSettled([...running]);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = await Promise.race([
        settled.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), Math.max(0, graceMs));
        }),
      ]).finally(() => clearTimeout(timer));
      if (!expired) return;
      logger.warn("shutdown grace expired; abandoning attempts in flight", { in_flight: running.size });
      shutdown.abort(new Error("shutting down"));
      // Aborted sends settle at once; what already reached the store finishes its short write.
      await settled;
    },

    envelopes,

    enqueue(entries: DueEntry[], events?: readonly EventRecord[], deliveries?: readonly DeliveryRecord[]) {
      if (!accepting) return;
      if (deliveries) {
        for (const delivery of deliveries) {
          if (known.size >= ANNOUNCED_MEMORY) break;
          // Stamped with the record's own time: a webhook change made after the record was built,
          // even before this announcement, makes the attempt read the delivery afresh.
          if (delivery.status === "pending") known.set(delivery.id, { delivery, at: delivery.updated_at });
        }
      }
      // Before the entries are scheduled, so that their attempts find the envelopes.
      if (events && events.length > 0) {
        const soon = now() + ANNOUNCE_HORIZON_MS;
        if (entries.some((entry) => entry.due <= soon)) {
          for (const event of events) envelopes.put(event.account_id, envelopeOf(event));
        }
      }
      for (const entry of entries) {
        // Announced anew (a manual retry): its due time may have changed.
        refusedWebhook.delete(entry.delivery_id);
        scheduler.schedule(entry);
      }
    },

    async sendTest(webhook: WebhookRecord, event: EventRecord): Promise<AttemptRecord> {
      const startedAt = now();
      const outcome = await track(sendOnce(webhook, envelopeOf(event), null, 1));
      const record = attemptRecord({ delivery: null, event, webhook, attempt: 1, startedAt, outcome });
      if (!shutdown.signal.aborted) await store.attempts.add(record);
      logger.debug("test delivery attempt", {
        webhook_id: webhook.id,
        event_id: event.id,
        outcome: record.outcome,
        status_code: record.status_code,
        error_class: record.error_class,
        duration_ms: record.duration_ms,
      });
      return record;
    },

    inFlight() {
      return running.size;
    },
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
