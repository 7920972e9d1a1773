// The attempt stage of the delivery engine, one admitted delivery at a time, as a pipeline:
//
//   prepare  the delivery as admitted (re-read when its webhook changed since), its webhook and
//            its event's envelope; nothing to do when it is no longer pending, the webhook is
//            gone or disabled, shutdown has begun, or the store refuses writes (disk full: the
//            outcome could not be recorded, so the delivery stays due until space returns);
//   send     one signed POST to the receiver, bounded by the per-attempt timeout;
//   decide   the attempt's log record and the delivery's next step (a value: succeeded, failed,
//            or pending again at a time), from the outcome and the retry policy;
//   record   both written in one store write, reported in metrics and logs, then the id handed
//            back to the scheduler and, when retried, scheduled again.
//
// Guarantees: at least once (an attempt's result is recorded only after the request finished; an
// attempt cut short by shutdown records nothing, so the delivery stays due in the store); the id
// stays handed out until its outcome is written, so it is never attempted twice at once.

import type { AttemptRecord, DeliveryRecord, WebhookRecord } from "../storage/records";
import { type AttemptOutcomeUpdate, StoreFullError } from "../storage/store";
import { attemptRecord, MISSING_EVENT, nextStep, reportAttempt } from "./attempt-outcome";
import type { EngineResources } from "./engine-resources";
import { type Envelope, envelopeOf } from "./envelope";
import { type SendOutcome, send } from "./sender";

/** A delivery taken in by admission, with the time its record was current. */
export interface Admitted {
  id: string;
  delivery: DeliveryRecord;
  /** When `delivery` was current (ms, engine clock): a webhook changed since makes prepare re-read it. */
  at: number;
}

interface Prepared {
  delivery: DeliveryRecord;
  webhook: WebhookRecord;
  /** Null when the event is no longer stored: the attempt fails at once, never retried. */
  event: Envelope | null;
  attempt: number;
}

interface Sent extends Prepared {
  startedAt: number;
  outcome: SendOutcome;
}

interface Decided {
  delivery: DeliveryRecord;
  record: AttemptRecord;
  update: AttemptOutcomeUpdate;
}

/**
 * Runs the pipeline for one admitted delivery. Resolves once the exchange with the receiver is
 * over, so that its slot can go to another attempt; the outcome's write goes on (tracked), and the
 * id is handed back to the scheduler once it is done.
 */
export async function attempt(res: EngineResources, item: Admitted): Promise<void> {
  let recording: Promise<DeliveryRecord | undefined> | undefined;
  try {
    const prepared = prepare(res, item);
    if (prepared) {
      const sent = await sendPrepared(res, prepared);
      // Cut short by shutdown: record nothing, so the delivery stays due and is made again.
      if (!res.abandon.aborted) recording = record(res, decide(res, sent));
    }
  } catch (err) {
    crashed(res, item.id, err);
  }
  if (!recording) return finish(res, item.id, undefined);
  // Not awaited, so the slot frees now; the chain cannot reject (its failure branch handles the
  // error) and stop() still waits for it through `res.work`.
  void res.work.track(
    recording.then(
      (stored) => finish(res, item.id, stored),
      (err) => {
        crashed(res, item.id, err);
        finish(res, item.id, undefined);
      },
    ),
  );
}

/** What the attempt needs, or undefined when there is nothing to attempt. */
export function prepare(res: EngineResources, item: Admitted): Prepared | undefined {
  const { store } = res;
  // While the store refuses writes (disk full) an outcome could not be recorded, and the delivery
  // would be sent again at every re-read of the queue: it stays due and is made once space returns.
  if (res.stopping.aborted || store.space().full) return undefined;
  const webhook = store.webhooks.getById(item.delivery.webhook_id);
  // A deleted or disabled webhook's pending deliveries are cancelled by the store.
  if (!webhook?.enabled) return undefined;
  let delivery: DeliveryRecord | undefined = item.delivery;
  // Changed (disabled, re-enabled) since the record was current: the change may have cancelled it.
  if (webhook.updated_at >= item.at) delivery = store.deliveries.getById(item.id);
  if (delivery?.status !== "pending") return undefined;
  const event = envelopeFor(res, delivery.account_id, delivery.event_id);
  return { delivery, webhook, event, attempt: delivery.attempts + 1 };
}

async function sendPrepared(res: EngineResources, prepared: Prepared): Promise<Sent> {
  const { delivery, webhook, event, attempt: attemptNo } = prepared;
  const startedAt = res.now();
  const outcome = event ? await sendTo(res, webhook, event, delivery.id, attemptNo) : MISSING_EVENT;
  return { ...prepared, startedAt, outcome };
}

/** Sends one signed request for `event` to `webhook`; a null delivery id marks a test send. */
export function sendTo(
  res: EngineResources,
  webhook: WebhookRecord,
  event: Envelope,
  deliveryId: string | null,
  attemptNo: number,
): Promise<SendOutcome> {
  return send(
    { url: webhook.url, secret: webhook.secret },
    { body: event.body, eventId: event.id, eventType: event.type, deliveryId, attempt: attemptNo },
    res.sendOptions,
  );
}

/** The attempt's log record and the delivery's next step. Pure but for the clock. */
export function decide(res: EngineResources, sent: Sent): Decided {
  const { delivery, webhook, event, attempt: attemptNo, startedAt, outcome } = sent;
  const update = nextStep(outcome, attemptNo, res.config, res.now(), event !== null);
  const record = attemptRecord({ delivery, event, webhook, attempt: attemptNo, startedAt, outcome });
  return { delivery, record, update };
}

/** Writes the attempt and the step in one store write, and reports them; answers the stored delivery. */
async function record(res: EngineResources, decided: Decided): Promise<DeliveryRecord | undefined> {
  const { delivery, record: attemptLog, update } = decided;
  const stored = await res.store.deliveries.recordAttempt(attemptLog, update);
  reportAttempt(res, delivery, attemptLog, update, stored);
  return stored;
}

/** Hands the id back to the scheduler, and schedules its next attempt when it has one. */
function finish(res: EngineResources, id: string, stored: DeliveryRecord | undefined): void {
  res.scheduler.release(id);
  if (stored?.status === "pending" && stored.next_attempt_at !== null) {
    res.scheduler.schedule({ delivery_id: id, due: stored.next_attempt_at });
  }
}

/** The event's envelope, from the cache or else built from the store; null when it is gone. */
function envelopeFor(res: EngineResources, accountId: string, eventId: string): Envelope | null {
  const cached = res.envelopes.get(accountId, eventId);
  if (cached) return cached;
  const event = res.store.events.get(accountId, eventId);
  if (!event) return null;
  const envelope = envelopeOf(event);
  res.envelopes.put(accountId, envelope);
  return envelope;
}

function crashed(res: EngineResources, id: string, err: unknown): void {
  // The store logs the transition to full once; the delivery stays due and is made again.
  if (err instanceof StoreFullError) {
    res.logger.debug("attempt outcome not recorded: the store is full", { delivery_id: id });
    return;
  }
  res.logger.error("delivery attempt crashed", {
    delivery_id: id,
    error: err instanceof Error ? err.message : String(err),
  });
}
