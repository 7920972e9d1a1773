// The delivery engine: the only implementation of DeliveryPort. It composes the stages that share
// one EngineResources (engine-resources.ts):
//
//   scheduler  (../scheduler/due-scheduler.ts) hands out ids as they fall due;
//   admission  (admission.ts) places each under the fair limiter: global, per-account and
//              per-webhook caps, round-robin over accounts, then webhooks;
//   attempt    (attempt.ts) prepare -> send -> decide -> record, then hands the id back.
//
// Guarantees:
// - at least once: an attempt's result is recorded only after the request finished; an attempt
//   cut short by shutdown (or a crash) leaves its delivery pending in the store, due as before, so
//   it is made again after restart. Results are not flushed one by one: an unflushed result after a
//   crash only means one more delivery, which receivers deduplicate by event id;
// - a delivery id is attempted by one attempt at a time (the scheduler hands out an id once until
//   it is answered);
// - fairness: one account's attempts hold at most `accountConcurrency` slots, one webhook's at most
//   `webhookConcurrency`; an account with due work gets the next freed slot in its turn;
// - bounded memory: webhook lanes and accounts refuse beyond their size, refused deliveries are
//   left in the store and re-read later;
// - each event's envelope is built once for all its attempts while it stays in a cache bounded by
//   count and total length (EnvelopeCache); the events and deliveries announced by a publish are
//   kept, so their first attempts need not read them back. The store stays the truth: a miss reads it;
// - shutdown waits up to its grace for attempts in flight, then abandons them unrecorded;
// - secrets and URLs never reach the logs (they name webhook, delivery and event ids).

import type { Config } from "../config/config";
import type { DeliveryPort } from "../domain/delivery-port";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import { DueScheduler, type DueSchedulerOptions } from "../scheduler/due-scheduler";
import type { AttemptRecord, DeliveryRecord, DueEntry, EventRecord, WebhookRecord } from "../storage/records";
import { type Store, StoreFullError } from "../storage/store";
import { Admission } from "./admission";
import { sendTo } from "./attempt";
import { attemptRecord } from "./attempt-outcome";
import { type EngineResources, WorkInFlight } from "./engine-resources";
import { EnvelopeCache, envelopeOf } from "./envelope";
import { createTargetResolver, type TargetResolver } from "./resolve-target";

export interface DeliveryEngine extends DeliveryPort {
  start(): void;
  /**
   * Stops taking new work and waits up to `graceMs` for attempts in flight; those still running
   * then are abandoned unrecorded and stay in the store's queue, to be made again after restart.
   */
  stop(graceMs: number): Promise<void>;
}

export type SchedulerTuning = Pick<
  DueSchedulerOptions,
  "horizonMs" | "heldMax" | "batch" | "refillMs" | "rescanMs"
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
  /** The envelope cache; one with the default bounds (defaultEnvelopeCache) unless given. */
  envelopes?: EnvelopeCache;
}

/** Envelope cache bounds: enough for every first attempt of a burst, at most 8 Mi characters. */
const ENVELOPES_MAX = 4_096;
const ENVELOPE_CHARS_MAX = 8 * 1024 * 1024;
/** Announced events are cached only when one of their deliveries falls due within this. */
const ANNOUNCE_HORIZON_MS = 60_000;

/**
 * The production envelope cache. Only retention deletes an event, once it is older than the
 * retention period; answering only younger ones means an event deleted (and its id perhaps used
 * again since) is never answered from here.
 */
export function defaultEnvelopeCache(config: Pick<Config, "retentionMs">, now: () => number): EnvelopeCache {
  return new EnvelopeCache({
    entriesMax: ENVELOPES_MAX,
    charsMax: ENVELOPE_CHARS_MAX,
    ageMsMax: config.retentionMs,
    now,
  });
}

export function createDeliveryEngine(deps: DeliveryEngineDeps): DeliveryEngine {
  const stopping = new AbortController();
  const abandon = new AbortController();
  const res = resourcesFor(deps, stopping.signal, abandon.signal, (id) => admission.admit(id));
  const admission = new Admission(res, deps.queuePerWebhook);
  addGauges(res, admission);

  return {
    start() {
      if (stopping.signal.aborted) throw new Error("a stopped delivery engine cannot start again");
      res.scheduler.start();
    },

    async stop(graceMs: number) {
      stopping.abort();
      res.scheduler.stop();
      // Queued deliveries stay due in the store; only attempts already running are waited for.
      admission.close();
      res.envelopes.clear();
      await drain(res, graceMs, abandon);
    },

    remember(events: readonly EventRecord[], deliveries: readonly DeliveryRecord[]) {
      if (stopping.signal.aborted) return;
      admission.announce(deliveries);
      cacheAnnounced(res, deliveries, events);
    },

    enqueue(entries: DueEntry[]) {
      if (stopping.signal.aborted) return;
      for (const entry of entries) {
        // Announced anew (a manual retry): its due time may have changed.
        admission.forgetRefusal(entry.delivery_id);
        res.scheduler.schedule(entry);
      }
    },

    sendTest: (webhook, event) => sendTest(res, webhook, event),

    inFlight() {
      return res.work.size;
    },
  };
}

function resourcesFor(
  deps: DeliveryEngineDeps,
  stopping: AbortSignal,
  abandon: AbortSignal,
  onDue: (id: string) => void,
): EngineResources {
  const { store, config, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const resolver = deps.resolver ?? createTargetResolver({ allowPrivate: config.allowPrivateTargets, now });
  return {
    store,
    config,
    logger,
    metrics,
    now,
    scheduler: new DueScheduler({ ...deps.scheduler, queue: store.queue, logger, now, onDue }),
    envelopes: deps.envelopes ?? defaultEnvelopeCache(config, now),
    sendOptions: {
      resolver,
      timeoutMs: config.timeoutMs,
      userAgent: `InboxWebhooks/${deps.version}`,
      signal: abandon,
      now,
      tlsCa: deps.tlsCa,
    },
    stopping,
    abandon,
    work: new WorkInFlight(),
  };
}

/** Waits up to `graceMs` for the work in flight, then abandons what is left unrecorded. */
async function drain(res: EngineResources, graceMs: number, abandon: AbortController): Promise<void> {
  if (await res.work.settled(graceMs)) return;
  res.logger.warn("shutdown grace expired; abandoning attempts in flight", { in_flight: res.work.size });
  abandon.abort(new Error("shutting down"));
  // Aborted sends settle at once; what already reached the store finishes its short write.
  await res.work.settled(Number.POSITIVE_INFINITY);
}

function addGauges(res: EngineResources, admission: Admission): void {
  res.metrics.addGauge(
    "inbox_delivery_attempts_in_flight",
    "Delivery attempts in flight.",
    () => admission.active,
  );
  // Named for the timer wheel the scheduler once used; kept so that dashboards keep working.
  res.metrics.addGauge(
    "inbox_scheduler_wheel_entries",
    "Pending attempts held in the scheduler's in-memory timer.",
    () => res.scheduler.size,
  );
}

/** Caches the envelopes of announced events when one of their deliveries falls due soon. */
function cacheAnnounced(
  res: EngineResources,
  deliveries: readonly DeliveryRecord[],
  events: readonly EventRecord[],
): void {
  if (events.length === 0) return;
  const soon = res.now() + ANNOUNCE_HORIZON_MS;
  if (!deliveries.some((d) => (d.next_attempt_at ?? 0) <= soon)) return;
  for (const event of events) res.envelopes.put(event.account_id, envelopeOf(event));
}

async function sendTest(
  res: EngineResources,
  webhook: WebhookRecord,
  event: EventRecord,
): Promise<AttemptRecord> {
  // Its attempt record could not be stored: refuse before the receiver hears of it.
  if (res.store.space().full) throw new StoreFullError("a test send is recorded, and the store is full");
  const startedAt = res.now();
  const outcome = await res.work.track(sendTo(res, webhook, envelopeOf(event), null, 1));
  const record = attemptRecord({ delivery: null, event, webhook, attempt: 1, startedAt, outcome });
  if (!res.abandon.aborted) await res.store.attempts.add(record);
  res.logger.debug("test delivery attempt", {
    webhook_id: webhook.id,
    event_id: event.id,
    outcome: record.outcome,
    status_code: record.status_code,
    error_class: record.error_class,
    duration_ms: record.duration_ms,
  });
  return record;
}
