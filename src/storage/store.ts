// The storage contract. HTTP, domain, scheduler and delivery code use only these interfaces; LMDB
// specifics stay in ./lmdb. Another engine (PostgreSQL, NATS JetStream) implements the same
// interfaces and must pass the same conformance suite (test/storage/conformance.ts).
//
// Guarantees every implementation gives:
// - each method that writes is atomic: all of its effects become visible together or none do;
// - a write is visible to reads as soon as its method returns (read-your-writes in one process);
// - `flushed()` resolves once every write made before the call is durable on disk;
// - listings are newest first; cursors are opaque strings produced by the store, and a malformed
//   cursor throws InvalidCursorError (never a generic error).

import type {
  AccountRecord,
  ApiKeyRecord,
  AttemptFilter,
  AttemptRecord,
  DeliveryRecord,
  DueEntry,
  EventRecord,
  Page,
  PageQuery,
  WebhookRecord,
} from "./records";

export class InvalidCursorError extends Error {
  constructor() {
    super("cursor is malformed or does not belong to this listing");
    this.name = "InvalidCursorError";
  }
}

/** The data directory is already opened for writing by another live process. */
export class StoreLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | null,
  ) {
    super(`data directory ${dataDir} is in use by another process${pid ? ` (pid ${pid})` : ""}`);
    this.name = "StoreLockedError";
  }
}

/**
 * The data directory holds a store that cannot be opened safely: a damaged, truncated or missing data
 * file, or one that is not the store this directory was initialised with. Nothing has been written;
 * the operator restores from a backup.
 */
export class StoreDamagedError extends Error {
  constructor(
    /** The file or directory at fault. */
    readonly path: string,
    /** What is wrong, in a phrase ("the data file is empty (0 bytes)"). */
    readonly problem: string,
  ) {
    super(
      `the store at ${path} cannot be used: ${problem}. Nothing was written to it. ` +
        'Restore the data file from a backup (see README, "Operations")',
    );
    this.name = "StoreDamagedError";
  }
}

/**
 * A write was refused because the disk (or the quota) holding the data directory is full, or nearly:
 * the LMDB store keeps a reserve (src/storage/lmdb/storage-space.ts). Nothing of that write was
 * stored; writes succeed again once space is freed, without a restart.
 */
export class StoreFullError extends Error {
  constructor(cause: unknown) {
    super("the store is full: too little space is left on the disk holding the data directory", { cause });
    this.name = "StoreFullError";
  }
}

/** Whether the store takes writes. `full` since the first refused write, until one succeeds again. */
export interface StoreSpace {
  full: boolean;
  /** When the last transition to full happened (ms since the epoch); undefined when never full. */
  fullSince: number | undefined;
  /** Writes refused for lack of space since the store was opened. */
  refusedWrites: number;
}

export interface MetaRepository {
  get(key: string): string | undefined;
  set(key: string, value: string): Promise<void>;
}

export interface AccountRepository {
  /** Creates the account together with its first key. */
  create(account: AccountRecord, firstKey: ApiKeyRecord): Promise<void>;
  get(id: string): AccountRecord | undefined;
  list(page: PageQuery): Page<AccountRecord>;
  count(): number;
  /**
   * Deletes the account, its keys and webhooks, and cancels its pending deliveries (they leave the
   * due-time queue). Events, deliveries and attempts already recorded age out with retention.
   * Answers false when there was no such account.
   */
  delete(id: string): Promise<boolean>;
}

export interface ApiKeyRepository {
  create(key: ApiKeyRecord): Promise<void>;
  /** The unrevoked key with this hash, if any. */
  findActiveByHash(hash: string): ApiKeyRecord | undefined;
  listForAccount(accountId: string): ApiKeyRecord[];
  /** Marks the key revoked; false when the account has no such unrevoked key. */
  revoke(accountId: string, keyId: string, at: number): Promise<boolean>;
}

export interface WebhookRepository {
  /**
   * Stores a new webhook. With `perAccountMax`, answers false and writes nothing when its account
   * already has that many webhooks or more; the count is taken atomically with the write, so
   * concurrent creates never take the account past the limit together. True once stored.
   */
  create(webhook: WebhookRecord, perAccountMax?: number): Promise<boolean>;
  /** Undefined when missing or owned by another account. */
  get(accountId: string, id: string): WebhookRecord | undefined;
  /** By id alone, for the delivery engine. */
  getById(id: string): WebhookRecord | undefined;
  list(accountId: string, page: PageQuery): Page<WebhookRecord>;
  /** Enabled webhooks of the account subscribed to `type` (or to "*"). */
  subscribers(accountId: string, type: string): WebhookRecord[];
  /**
   * Replaces the stored webhook. When it becomes disabled, its pending deliveries are cancelled
   * (status "cancelled", removed from the due-time queue). Answers false when it does not exist.
   */
  update(webhook: WebhookRecord): Promise<boolean>;
  /** Deletes it and cancels its pending deliveries; false when missing or foreign. */
  delete(accountId: string, id: string): Promise<boolean>;
}

export interface PublishItem {
  event: EventRecord;
  /** One pending delivery per subscribed webhook, each due at `next_attempt_at`. */
  deliveries: DeliveryRecord[];
  /**
   * True when the event's id was generated for this publish (the publisher gave no idempotency key):
   * unique by construction, it cannot be stored yet, so the store may skip looking it up.
   */
  generatedId?: boolean;
}

export interface PublishResult {
  event: EventRecord;
  /** False when an event with this id already existed in the account: nothing was written for it. */
  created: boolean;
  deliveries: DeliveryRecord[];
}

export interface EventRepository {
  /**
   * Stores the events, their deliveries and their due-time queue entries, all or none, in one write.
   * Idempotent by (account_id, event id): an id already stored (or repeated within the batch)
   * returns the stored event with created=false and writes nothing for it.
   * Resolves once committed; callers that promise durability then await Store.flushed().
   * The write holds every record at once: callers keep each call small (EventsService writes a
   * large publish as consecutive calls of at most PUBLISH_CHUNK_RECORDS events and deliveries, each
   * event whole with its deliveries; those already made stay if a later one fails, and a retry with
   * the same event ids replays them).
   */
  publish(items: PublishItem[]): Promise<PublishResult[]>;
  get(accountId: string, id: string): EventRecord | undefined;
  list(accountId: string, page: PageQuery): Page<EventRecord>;
}

/** How an attempt changes its delivery. */
export type AttemptOutcomeUpdate =
  | { status: "pending"; next_attempt_at: number } // failed, will retry then
  | { status: "succeeded" }
  | { status: "failed" }; // out of attempts

export interface DeliveryRepository {
  get(accountId: string, id: string): DeliveryRecord | undefined;
  getById(id: string): DeliveryRecord | undefined;
  listForEvent(accountId: string, eventId: string): DeliveryRecord[];
  /**
   * Records a finished attempt and moves its delivery on, atomically: the attempt is appended, the
   * delivery's counters and status change, and its queue entry is moved to the next due time or
   * removed. If the delivery is no longer pending (cancelled meanwhile), only the attempt is kept.
   */
  recordAttempt(attempt: AttemptRecord, update: AttemptOutcomeUpdate): Promise<DeliveryRecord | undefined>;
  /** Makes a delivery pending again, due at `due` (manual retry). Undefined when missing. */
  reschedule(accountId: string, id: string, due: number): Promise<DeliveryRecord | undefined>;
  /** Deliveries still pending (the backlog). */
  countPending(): number;
}

export interface AttemptRepository {
  /** Stores an attempt that belongs to no delivery (a test send). */
  add(attempt: AttemptRecord): Promise<void>;
  listForDelivery(deliveryId: string): AttemptRecord[];
  /** A webhook's attempts, newest first, filtered. */
  listForWebhook(
    accountId: string,
    webhookId: string,
    filter: AttemptFilter,
    page: PageQuery,
  ): Page<AttemptRecord>;
}

/** Pending attempts ordered by due time. The scheduler knows only ids and due times. */
export interface DueQueue {
  /**
   * Up to `limit` entries due before `until` (exclusive), in due order, strictly after the entry
   * `after` when given (so a caller can page through without re-reading what it holds).
   */
  scan(until: number, limit: number, after?: DueEntry): DueEntry[];
  size(): number;
}

export interface RetentionResult {
  attempts: number;
  events: number;
  deliveries: number;
}

export interface Store {
  readonly meta: MetaRepository;
  readonly accounts: AccountRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly webhooks: WebhookRepository;
  readonly events: EventRepository;
  readonly deliveries: DeliveryRepository;
  readonly attempts: AttemptRepository;
  readonly queue: DueQueue;
  /**
   * Removes attempts older than `before`, and events older than `before` whose deliveries are all
   * finished (with those deliveries), at most `limit` records per call, in one short write.
   */
  purge(before: number, limit: number): Promise<RetentionResult>;
  /** Resolves when every write made before the call is on disk. */
  flushed(): Promise<void>;
  /** Bytes the store occupies on disk. */
  sizeBytes(): number;
  /** Whether writes are being refused for lack of disk space (see StoreFullError). */
  space(): StoreSpace;
  close(): Promise<void>;
}
