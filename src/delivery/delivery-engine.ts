// The delivery engine: the only implementation of DeliveryPort. It composes the stages that share
// one EngineResources (engine-resources.ts):
//
//   scheduler  (../scheduler/due-scheduler.ts) leases due work from the store and hands each
//              lease out as it falls due;
//   admission  (admission.ts) places each under the fair limiter: global, per-account and
//              per-webhook caps, round-robin over accounts, then webhooks;
//   attempt    (attempt.ts) prepare -> ensureLease -> send -> decide -> record, then answers the
//              lease.
//
// Guarantees:
// - at least once: an attempt's result is recorded only after the request finished; an attempt
//   cut short by shutdown, by its lease's end (or a crash) leaves its delivery pending in the
//   store, due as before, so it is made again (by this replica or another). Results are not flushed
//   one by one (the LMDB store commits an outcome with the next commit, at most 50 ms later:
//   commit-pacing.ts): an unflushed result after a crash only means one more delivery, which
//   receivers deduplicate by event id;
// - a delivery is attempted only under a live lease of this replica, by one attempt at a time, and
//   its outcome write is fenced by the lease's token (see DueWork); the caps are per replica;
// - fairness: one account's attempts hold at most `accountConcurrency` slots, one webhook's at most
//   `webhookConcurrency`; an account with due work gets the next freed slot in its turn;
// - bounded memory: webhook lanes and accounts refuse beyond their size, refused leases are given
//   back to the store and leased again later;
// - each event's envelope is built once for all its attempts while it stays in a cache bounded by
//   count and total length (EnvelopeCache); the events of a publish's leased first attempts are
//   kept, so those attempts need not read them back. The store stays the truth: a miss reads it;
// - shutdown gives back the timer's and the queued leases at once, waits up to its grace for
//   attempts in flight, then abandons them unrecorded and gives back theirs: another replica (or
//   the next start) takes them without waiting for the leases to expire;
// - secrets and URLs never reach the logs (they name webhook, delivery and event ids).

import type { Config } from "../config/config";
import type { DeliveryPort } from "../domain/delivery-port";
import { createOperations, type Operations } from "../domain/operations";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import { DueScheduler, type SchedulerTuning } from "../scheduler/due-scheduler";
import { type HeldLease, heldLease } from "../scheduler/held-lease";
import type { AttemptRecord, EventRecord, WebhookRecord } from "../storage/records";
import { type Store, StoreFullError, StoreUnavailableError } from "../storage/store";
import { Admission } from "./admission";
import { sendTo } from "./attempt";
import { attemptRecord } from "./attempt-outcome";
import { FailingChecks } from "./endpoint-disabling";
import { type EngineResources, type LeaseTerms, WorkInFlight } from "./engine-resources";
import { EnvelopeCache, envelopeOf } from "./envelope";
import { RateLimits } from "./rate-limit";
import { createTargetResolver, type TargetResolver } from "./resolve-target";

export interface DeliveryEngine extends DeliveryPort {
  start(): void;
  /**
   * Stops taking new work, gives back the leases not yet attempted, and waits up to `graceMs` for
   * attempts in flight; those still running then are abandoned unrecorded and their leases given
   * back, to be made again by any replica. Resolves once every lease given back is released.
   */
  stop(graceMs: number): Promise<void>;
  /** Leases this replica holds: in the scheduler's timer, queued in lanes or being attempted. */
  leasesHeld(): number;
}

export type { SchedulerTuning };

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
  /**
   * Disabling and the operator's events, shared with the API (src/app.ts). Without it the engine
   * makes its own, whose events reach no publisher (they are logged as not published).
   */
  operations?: Operations;
}

/** Envelope cache bounds: enough for every first attempt of a burst, at most 8 Mi characters. */
const ENVELOPES_MAX = 4_096;
const ENVELOPE_CHARS_MAX = 8 * 1024 * 1024;

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
  const res = resourcesFor(deps, stopping.signal, abandon.signal, (held) => admission.admit(held));
  const admission = new Admission(res, deps.queuePerWebhook);
  addGauges(res, admission);
  const { scheduler } = res;

  return {
    start() {
      if (stopping.signal.aborted) throw new Error("a stopped delivery engine cannot start again");
      scheduler.start();
    },

    async stop(graceMs: number) {
      stopping.abort();
      // The timer's leases, then the queued ones, go back at once; only attempts already running
      // are waited for, and theirs go back when they are abandoned.
      scheduler.stop();
      admission.close();
      res.envelopes.clear();
      await drain(res, graceMs, abandon);
      await scheduler.settled();
    },

    publishLease() {
      const max = stopping.signal.aborted ? 0 : scheduler.room();
      if (max === 0) return undefined;
      return { owner: res.leases.owner, leaseMs: res.leases.leaseMs, max };
    },

    enqueue(grant, events) {
      if (grant.leases.length === 0) return;
      if (!stopping.signal.aborted) {
        for (const event of events) res.envelopes.put(event.account_id, envelopeOf(event));
      }
      // Given back by the scheduler when stopped or out of room.
      for (const lease of grant.leases) scheduler.schedule(heldLease(lease, grant.askedAt));
    },

    giveBack(leases) {
      scheduler.release(leases);
    },

    retried(deliveryId, due) {
      if (!stopping.signal.aborted) scheduler.hurry(deliveryId, due);
    },

    sendTest: (webhook, event) => sendTest(res, webhook, event),

    inFlight() {
      return res.work.size;
    },

    leasesHeld() {
      return scheduler.leasesHeld;
    },
  };
}

function resourcesFor(
  deps: DeliveryEngineDeps,
  stopping: AbortSignal,
  abandon: AbortSignal,
  onDue: (held: HeldLease) => void,
): EngineResources {
  const { store, config, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const resolver = deps.resolver ?? createTargetResolver({ allowPrivate: config.allowPrivateTargets, now });
  const scheduler = new DueScheduler({
    ...deps.scheduler,
    work: store.work,
    owner: config.replicaId,
    leaseMs: leaseMsOf(config),
    logger,
    now,
    onDue,
    // Nothing is leased while the disk is full (an outcome could not be recorded). While the
    // database is unreachable the refills go on: the first lease that succeeds is what tells the
    // store, and so this replica, that it is back.
    paused: () => store.health().reason === "full",
  });
  return {
    store,
    config,
    logger,
    metrics,
    now,
    scheduler,
    leases: leaseTerms(config, scheduler.horizonMs),
    envelopes: deps.envelopes ?? defaultEnvelopeCache(config, now),
    envelopeReads: new Map(),
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
    operations: deps.operations ?? createOperations({ store, logger, metrics, now }),
    failingChecks: FailingChecks.forDisableAfter(config.disableAfterMs),
    // Half a lease: a lease waiting in a limited webhook's lane never runs out before its turn.
    rateLimits: new RateLimits({ now, laneHoldMs: leaseMsOf(config) / 2 }),
  };
}

/** Lease length: the attempt timeout plus the margin. */
function leaseMsOf(config: Pick<Config, "timeoutMs" | "leaseMarginMs">): number {
  return config.timeoutMs + config.leaseMarginMs;
}

function leaseTerms(config: Config, horizonMs: number): LeaseTerms {
  return {
    owner: config.replicaId,
    leaseMs: leaseMsOf(config),
    safetyMs: Math.floor(config.leaseMarginMs / 2),
    reletWithinMs: horizonMs,
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
  res.metrics.addGauge(
    "inbox_leases_held",
    "Leases this replica holds: in the scheduler's timer, waiting in lanes or being attempted.",
    () => res.scheduler.leasesHeld,
  );
  // Named for the timer wheel the scheduler once used; kept so that dashboards keep working.
  res.metrics.addGauge(
    "inbox_scheduler_wheel_entries",
    "Pending attempts held in the scheduler's in-memory timer.",
    () => res.scheduler.size,
  );
}

async function sendTest(
  res: EngineResources,
  webhook: WebhookRecord,
  event: EventRecord,
): Promise<AttemptRecord> {
  // Its attempt record could not be stored: refuse before the receiver hears of it.
  const health = res.store.health();
  if (health.reason === "full") throw new StoreFullError("a test send is recorded, and the store is full");
  if (!health.writable)
    throw new StoreUnavailableError("a test send is recorded, and the store is unreachable");
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
