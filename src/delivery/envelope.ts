// The request body of a delivery: exactly the docs' envelope, `{"id","type","created_at","data"}`
// in that key order, with `created_at` as RFC 3339 UTC without milliseconds. Built once per event
// (see EnvelopeCache) and signed as these exact bytes.

import type { EventRecord } from "../storage/records";

/** `2025-01-15T10:25:03Z`: RFC 3339 UTC, whole seconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function envelopeBody(event: EventRecord): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    created_at: rfc3339(event.created_at),
    data: event.data,
  });
}

/** What an attempt needs of its event: the id and type for its headers, and the body it signs. */
export interface Envelope {
  id: string;
  type: string;
  created_at: number;
  /** Exactly `envelopeBody(event)`. */
  body: string;
}

export function envelopeOf(event: EventRecord): Envelope {
  return { id: event.id, type: event.type, created_at: event.created_at, body: envelopeBody(event) };
}

export interface EnvelopeCacheOptions {
  /** Envelopes kept at most. */
  entriesMax: number;
  /** Total length of the kept bodies at most, in UTF-16 code units (an 8-bit string's bytes). */
  charsMax: number;
  /**
   * An envelope is answered only while its event is younger than this (created_at counted), so an
   * event deleted by retention, and perhaps stored again under its id since, is never answered
   * from memory: set it to at most the retention period.
   */
  ageMsMax: number;
  now: () => number;
}

/**
 * Envelopes of recent events by account and event id, so that the attempts of one event (its
 * fan-out, its first attempt right after the publish) build its body once and need not read the
 * event back. Bounded by count and by total body length: the oldest put goes first; a body longer
 * than the whole bound is not kept. Stored events never change, so what is kept is never stale
 * within `ageMsMax`; a miss only means the caller reads the store.
 */
export class EnvelopeCache {
  private readonly entries = new Map<string, Envelope>();
  private chars = 0;
  /**
   * Keys in the order they were put, oldest at `head`, each with the envelope put then; one whose
   * key has been removed or put again since is skipped. (Evicting through the Map's own order is
   * slow: a Map iterator walks over every entry deleted at its front.)
   */
  private orderKeys: string[] = [];
  private orderValues: Envelope[] = [];
  private head = 0;

  constructor(private readonly opts: EnvelopeCacheOptions) {}

  /** Envelopes kept now. */
  get size(): number {
    return this.entries.size;
  }

  /** Total length of the kept bodies. */
  get totalChars(): number {
    return this.chars;
  }

  get(accountId: string, eventId: string): Envelope | undefined {
    const key = keyOf(accountId, eventId);
    const envelope = this.entries.get(key);
    if (envelope === undefined) return undefined;
    if (this.fresh(envelope)) return envelope;
    this.remove(key, envelope);
    return undefined;
  }

  /** Keeps `envelope` of an event of `accountId` (replacing any kept under its id), newest. */
  put(accountId: string, envelope: Envelope): void {
    const key = keyOf(accountId, envelope.id);
    const old = this.entries.get(key);
    if (old !== undefined) this.remove(key, old);
    const { entriesMax, charsMax } = this.opts;
    if (entriesMax < 1 || envelope.body.length > charsMax || !this.fresh(envelope)) return;
    this.entries.set(key, envelope);
    this.chars += envelope.body.length;
    this.orderKeys.push(key);
    this.orderValues.push(envelope);
    while (this.entries.size > entriesMax || this.chars > charsMax) {
      const oldest = this.orderKeys[this.head] as string;
      const kept = this.orderValues[this.head] as Envelope;
      this.forget(this.head++);
      if (this.entries.get(oldest) === kept) this.remove(oldest, kept);
    }
    this.compact();
  }

  clear(): void {
    this.entries.clear();
    this.chars = 0;
    this.orderKeys = [];
    this.orderValues = [];
    this.head = 0;
  }

  private fresh(envelope: Envelope): boolean {
    return this.opts.now() - envelope.created_at < this.opts.ageMsMax;
  }

  private remove(key: string, envelope: Envelope): void {
    this.entries.delete(key);
    this.chars -= envelope.body.length;
  }

  /** Lets go of the order's slot `i` (its strings and envelope may then be collected). */
  private forget(i: number): void {
    this.orderKeys[i] = "";
    this.orderValues[i] = EMPTY;
  }

  /**
   * Keeps the order's arrays in proportion to what is kept: the slots before `head` go once they
   * are the larger part, and skipped slots (keys removed or put again) once they outnumber the kept.
   */
  private compact(): void {
    const slots = this.orderKeys.length - this.head;
    if (slots > 2 * this.entries.size + 64) {
      const keys: string[] = [];
      const values: Envelope[] = [];
      for (let i = this.head; i < this.orderKeys.length; i++) {
        const key = this.orderKeys[i] as string;
        const envelope = this.orderValues[i] as Envelope;
        if (this.entries.get(key) === envelope) {
          keys.push(key);
          values.push(envelope);
        }
      }
      this.orderKeys = keys;
      this.orderValues = values;
      this.head = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.orderKeys.length) {
      this.orderKeys = this.orderKeys.slice(this.head);
      this.orderValues = this.orderValues.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY: Envelope = { id: "", type: "", created_at: 0, body: "" };

// Account ids are generated (`acct_` and base32), never holding a space: the key is unambiguous
// whatever the event id, which is any string the publisher chose.
const keyOf = (accountId: string, eventId: string) => `${accountId} ${eventId}`;
