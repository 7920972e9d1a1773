// The attempt stage of the delivery engine, one admitted lease at a time, as a pipeline:
//
//   prepare      the delivery as leased (re-read when its webhook changed since), its webhook and
//                its event's envelope; nothing to do when it is no longer pending, the webhook is
//                gone or disabled, shutdown has begun, or the store refuses writes (disk full or
//                unreachable: the outcome could not be recorded, so the lease goes back);
//   ensureLease  enough of the lease left for a whole send (renewed after a wait in a lane);
//                a lease lost meanwhile stops the attempt unsent (attempt-lease.ts);
//   send         one signed POST to the receiver, bounded by the per-attempt timeout and cut
//                before the lease ends;
//   decide       the attempt's log record and the delivery's next step (a value: succeeded,
//                failed, or pending again at a time), from the outcome and the retry policy;
//   record       both written in one store write fenced by the lease's token, reported in metrics
//                and logs; a retry due soon comes back relet and goes into the scheduler's timer;
//   after        a failed attempt may disable its webhook (410 Gone, or failing for
//                INBOX_DISABLE_AFTER) and a delivery that ran out of attempts is reported to the
//                operator (endpoint-disabling.ts); nothing of this runs after a success.
//
// Guarantees: at least once (an attempt's result is recorded only after the request finished; an
// attempt cut short by shutdown or by its lease's end records nothing, so the delivery stays due);
// never two sends of one delivery at once across replicas (a send ends before its lease, and only
// a lease holder sends); a late outcome whose lease was taken again writes nothing (fenced, counted
// in inbox_lease_fenced_writes_total).

import { activePrevious } from "../domain/webhook-secret";
import { type HeldLease, heldLease, leaseRef } from "../scheduler/held-lease";
import type { AttemptRecord, DeliveryRecord, WebhookRecord } from "../storage/records";
import {
  type AttemptOutcomeUpdate,
  type RecordResult,
  StoreFullError,
  StoreUnavailableError,
} from "../storage/store";
import { needsRenewal, renewLease, sendBudget } from "./attempt-lease";
import { attemptRecord, MISSING_EVENT, nextStep, reportAttempt } from "./attempt-outcome";
import { afterAttempt, isGone } from "./endpoint-disabling";
import type { EngineResources } from "./engine-resources";
import { type Envelope, envelopeOf } from "./envelope";
import { type SendOutcome, send } from "./sender";

/** A lease taken in by admission. */
export interface Admitted {
  id: string;
  held: HeldLease;
}

interface Prepared {
  held: HeldLease;
  delivery: DeliveryRecord;
  webhook: WebhookRecord;
  /** Null when the event is no longer stored: the attempt fails at once, never retried. */
  event: Envelope | null;
  attempt: number;
}

interface Sent extends Prepared {
  startedAt: number;
  outcome: SendOutcome;
  /** Ended by the lease's deadline or by shutdown: nothing is recorded. */
  cut: boolean;
}

interface Decided {
  held: HeldLease;
  delivery: DeliveryRecord;
  record: AttemptRecord;
  update: AttemptOutcomeUpdate;
}

/** What became of the lease: recorded (maybe relet), lost, or to give back unattempted. */
type Ending = { kind: "record"; recording: Promise<Recorded> } | { kind: "lost" } | { kind: "give_back" };

interface Recorded {
  result: RecordResult;
  /** The engine's clock just before the write: a relet lease's deadline counts from it. */
  askedAt: number;
}

/**
 * Runs the pipeline for one admitted lease. Resolves once the exchange with the receiver is over,
 * so that its slot can go to another attempt; the outcome's write goes on (tracked), and the lease
 * is answered to the scheduler once it is done.
 */
export async function attempt(res: EngineResources, item: Admitted): Promise<void> {
  let ending: Ending = { kind: "give_back" };
  try {
    ending = await run(res, item.held);
  } catch (err) {
    crashed(res, item.id, err);
  }
  if (ending.kind !== "record") {
    answer(res, item.held, ending, undefined);
    return;
  }
  // Not awaited, so the slot frees now; the chain cannot reject (its failure branch handles the
  // error) and stop() still waits for it through `res.work`.
  void res.work.track(
    ending.recording.then(
      (recorded) => answer(res, item.held, ending, recorded),
      (err) => {
        crashed(res, item.id, err);
        answer(res, item.held, { kind: "give_back" }, undefined);
      },
    ),
  );
}

async function run(res: EngineResources, admitted: HeldLease): Promise<Ending> {
  const prepared = await prepare(res, admitted);
  if (!prepared) return { kind: "give_back" };
  // ensureLease: renewed only when a wait in a lane used up too much of it (no await otherwise).
  const held = needsRenewal(res, prepared.held) ? await renewLease(res, prepared.held) : prepared.held;
  if (!held) return { kind: "lost" };
  const sent = await sendPrepared(res, { ...prepared, held });
  // Cut short (shutdown, or the lease's end): nothing recorded, the delivery stays due.
  if (sent.cut) return { kind: "give_back" };
  const recording = record(res, decide(res, sent));
  // A 410 disables the webhook: the slot is held until it is, so that the webhook's next attempt
  // in its lane finds it disabled and is not sent (a rejection is handled with the ending).
  if (isGone(sent.outcome)) await recording.catch(() => {});
  return { kind: "record", recording };
}

/** What the attempt needs, or undefined when there is nothing to attempt. */
export async function prepare(res: EngineResources, held: HeldLease): Promise<Prepared | undefined> {
  const { store } = res;
  // While the store refuses writes an outcome could not be recorded, and the delivery would be sent
  // again and again: it stays due and is made once the store takes writes again.
  if (res.stopping.aborted || !store.health().writable) return undefined;
  let delivery: DeliveryRecord | undefined = held.lease.delivery;
  const webhook = await store.webhooks.getById(delivery.webhook_id);
  if (webhook) res.rateLimits.learn(webhook.id, webhook.rate_limit);
  // A deleted or disabled webhook's pending deliveries are cancelled by the store.
  if (!webhook?.enabled) return undefined;
  // Changed (disabled, re-enabled) since the record was current: the change may have cancelled it.
  if (webhook.updated_at >= held.at) delivery = await store.deliveries.getById(delivery.id);
  if (delivery?.status !== "pending") return undefined;
  const event =
    res.envelopes.get(delivery.account_id, delivery.event_id) ??
    (await readEnvelope(res, delivery.account_id, delivery.event_id));
  return { held, delivery, webhook, event, attempt: delivery.attempts + 1 };
}

async function sendPrepared(res: EngineResources, prepared: Prepared): Promise<Sent> {
  const { delivery, webhook, event, attempt: attemptNo } = prepared;
  const budget = sendBudget(res, prepared.held);
  const startedAt = res.now();
  // No time left before the lease ends (the process stalled since ensureLease): not sent, not
  // recorded; the outcome is a placeholder that nothing reads.
  if (budget.timeoutMs <= 0) return { ...prepared, startedAt, outcome: MISSING_EVENT, cut: true };
  const outcome = event
    ? await sendTo(res, webhook, event, delivery.id, attemptNo, budget.timeoutMs)
    : MISSING_EVENT;
  const cut = res.abandon.aborted || (budget.cut && !outcome.ok && outcome.errorClass === "timeout");
  return { ...prepared, startedAt, outcome, cut };
}

/** Sends one signed request for `event` to `webhook`; a null delivery id marks a test send. */
export function sendTo(
  res: EngineResources,
  webhook: WebhookRecord,
  event: Envelope,
  deliveryId: string | null,
  attemptNo: number,
  timeoutMs = res.config.timeoutMs,
): Promise<SendOutcome> {
  return send(
    {
      url: webhook.url,
      secret: webhook.secret,
      previousSecret: activePrevious(webhook, res.now()),
      headers: webhook.headers,
    },
    { body: event.body, eventId: event.id, eventType: event.type, deliveryId, attempt: attemptNo },
    timeoutMs === res.sendOptions.timeoutMs ? res.sendOptions : { ...res.sendOptions, timeoutMs },
  );
}

/** The attempt's log record and the delivery's next step. Pure but for the clock. */
export function decide(res: EngineResources, sent: Sent): Decided {
  const { held, delivery, webhook, event, attempt: attemptNo, startedAt, outcome } = sent;
  const update = nextStep(outcome, attemptNo, res.config, res.now(), event !== null, delivery.retry_base);
  const record = attemptRecord({ delivery, event, webhook, attempt: attemptNo, startedAt, outcome });
  return { held, delivery, record, update };
}

/** Writes the attempt and the step in one write fenced by the lease, and reports them. */
async function record(res: EngineResources, decided: Decided): Promise<Recorded> {
  const { held, delivery, record: attemptLog, update } = decided;
  const { leaseMs, reletWithinMs } = res.leases;
  const askedAt = res.now();
  const result = await res.store.deliveries.recordAttempt(attemptLog, update, leaseRef(held.lease), {
    relet: { withinMs: reletWithinMs, leaseMs },
  });
  if (result.kind === "fenced") {
    res.metrics.leaseFencedWrites.inc();
    res.logger.info("attempt outcome not recorded: its lease had ended and was taken again", {
      delivery_id: delivery.id,
      attempt: attemptLog.attempt,
    });
  }
  reportAttempt(res, delivery, attemptLog, update, result.kind === "recorded" ? result.delivery : undefined);
  await afterAttempt(res, attemptLog, update, result);
  return { result, askedAt };
}

/** Answers the lease to the scheduler; a lease relet for the retry goes back into its timer. */
function answer(res: EngineResources, held: HeldLease, ending: Ending, recorded: Recorded | undefined): void {
  const { scheduler } = res;
  if (ending.kind === "give_back") {
    scheduler.giveBack(held);
    return;
  }
  scheduler.done(held.lease.delivery.id);
  if (recorded?.result.kind === "recorded" && recorded.result.lease) {
    scheduler.schedule(heldLease(recorded.result.lease, recorded.askedAt));
  }
}

/**
 * The event's envelope built from the store (one read shared by the attempts that ask for it
 * meanwhile, such as a whole fan-out), and cached; null when it is gone.
 */
function readEnvelope(res: EngineResources, accountId: string, eventId: string): Promise<Envelope | null> {
  const key = `${accountId}/${eventId}`;
  let reading = res.envelopeReads.get(key);
  if (!reading) {
    reading = loadEnvelope(res, accountId, eventId).finally(() => res.envelopeReads.delete(key));
    res.envelopeReads.set(key, reading);
  }
  return reading;
}

async function loadEnvelope(
  res: EngineResources,
  accountId: string,
  eventId: string,
): Promise<Envelope | null> {
  const event = await res.store.events.get(accountId, eventId);
  if (!event) return null;
  const envelope = envelopeOf(event);
  res.envelopes.put(accountId, envelope);
  return envelope;
}

function crashed(res: EngineResources, id: string, err: unknown): void {
  // The store logs the transition to full or unavailable once; the delivery stays due.
  if (err instanceof StoreFullError || err instanceof StoreUnavailableError) {
    res.logger.debug("attempt outcome not recorded: the store refuses writes", { delivery_id: id });
    return;
  }
  res.logger.error("delivery attempt crashed", {
    delivery_id: id,
    error: err instanceof Error ? err.message : String(err),
  });
}
