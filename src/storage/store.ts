// The storage contract. HTTP, domain, scheduler and delivery code use only these interfaces; the
// engines' specifics stay in ./lmdb (embedded, one process) and ./postgres (shared by N replicas).
// Both implement the same interfaces and must pass the same conformance suite
// (test/storage/conformance.ts).
//
// Guarantees every implementation gives:
// - each method that writes is atomic: all of its effects become visible together or none do;
// - a write is visible to reads as soon as its method returns (read-your-writes in one process);
//   another replica's write is visible to this one's cached reads (webhooks, keys, meta) within
//   READ_CACHE_MS_MAX, and to its uncached reads at once;
// - `flushed()` resolves once every write made before the call is durable;
// - listings are newest first; cursors are opaque strings produced by the store, and a malformed
//   cursor throws InvalidCursorError (never a generic error);
// - every read is asynchronous (a server database answers over the network); values that would
//   need a scan or a count there (pending deliveries, size) are cached figures, see `figures()`;
// - due work is leased, not owned: a replica attempts a delivery only under a live lease, and every
//   outcome write is fenced by the lease's token (see DueWork).
import type {
  AccountRecord,
  ApiKeyRecord,
  AttemptFilter,
  AttemptRecord,
  DeliveryFilter,
  DeliveryRecord,
  DisabledReason,
  DueEntry,
  EventRecord,
  EventTypeChange,
  EventTypeRecord,
  KeyUse,
  Page,
  PageQuery,
  PortalLinkRecord,
  RecoveryWindow,
  SessionRecord,
  StatsBucket,
  WebhookHealth,
  WebhookRecord,
} from "./records";

/**
 * How stale a cached read (webhook, API key, meta) may be on a store shared by several replicas: a
 * change made through one replica (disable, delete, URL change, key revocation) reaches every other
 * replica within this. An embedded store invalidates its caches exactly and serves nothing stale.
 */
export const READ_CACHE_MS_MAX = 1_000;

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

/**
 * The store cannot be reached (a server database is down, restarting or failing over). Nothing of
 * the write was stored, or, for a read, nothing was read; the store recovers by itself once the
 * database answers again. HTTP answers 503 `store_unavailable` with Retry-After.
 */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super("the store is unavailable: the database cannot be reached", { cause });
    this.name = "StoreUnavailableError";
  }
}

/**
 * The store's schema is newer than this build knows (a newer release migrated it). Nothing was
 * written; the operator runs a release at least as new. The process exits with the code of a
 * damaged store.
 */
export class SchemaVersionError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
    where: string,
  ) {
    super(
      `${where}: schema version ${found} is newer than this build supports (${supported}); run a newer release`,
    );
    this.name = "SchemaVersionError";
  }
}

/** Whether the store takes writes right now. */
export interface StoreHealth {
  writable: boolean;
  /** Why not: out of disk space (StoreFullError) or unreachable (StoreUnavailableError). */
  reason: "full" | "unavailable" | null;
  /** When the current unwritable spell began (ms since the epoch); undefined while writable. */
  since: number | undefined;
  /** Writes refused for lack of space since the store was opened. */
  refusedWrites: number;
}

/**
 * Figures that would need a scan or a count on a server database, kept as a snapshot: live on an
 * embedded store, refreshed in the background (every few seconds) on a server database.
 */
export interface StoreFigures {
  /** Deliveries still pending (the backlog), all replicas together. */
  pendingDeliveries: number;
  /** Bytes the store occupies on disk. */
  sizeBytes: number;
  /** When the figures were taken (ms since the epoch). */
  asOf: number;
}

export interface MetaRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /**
   * Stores the value only when the key is absent; true only for the caller whose write stored it,
   * even when several replicas claim the same key at once.
   */
  claim(key: string, value: string): Promise<boolean>;
  /** Removes the key (nothing when absent). */
  delete(key: string): Promise<void>;
  /** Every key starting with `prefix`, with its value, in key order (for small sets of keys). */
  entries(prefix: string): Promise<Array<[string, string]>>;
}

export interface AccountRepository {
  /** Creates the account together with its first key. */
  create(account: AccountRecord, firstKey: ApiKeyRecord): Promise<void>;
  /**
   * First start: in one atomic write, and only while meta `marker.key` is absent, sets that marker
   * and, when the store has no account at all, creates `account` with `firstKey`. True only when the
   * account was created by this call: of several replicas starting at once, exactly one gets true.
   */
  createFirst(
    account: AccountRecord,
    firstKey: ApiKeyRecord,
    marker: { key: string; value: string },
  ): Promise<boolean>;
  get(id: string): Promise<AccountRecord | undefined>;
  list(page: PageQuery): Promise<Page<AccountRecord>>;
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
  findActiveByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  listForAccount(accountId: string): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when the account has no such unrevoked key. */
  revoke(accountId: string, keyId: string, at: number): Promise<boolean>;
  /**
   * Raises each key's last_used_at to its `at` (never lowers it; keys gone meanwhile are skipped),
   * in one write. Changes nothing else: cached authentication records may show an older value.
   */
  recordUse(uses: readonly KeyUse[]): Promise<void>;
}

/** Dashboard sessions (records.ts SessionRecord), by the hash of their id. */
export interface SessionRepository {
  create(session: SessionRecord): Promise<void>;
  /** The stored session, expired or not (the caller decides), or undefined. */
  get(idHash: string): Promise<SessionRecord | undefined>;
  /** Raises last_seen_at to `at` (never lowers it); nothing when the session is gone. */
  touch(idHash: string, at: number): Promise<void>;
  /** Removes the session (sign-out); nothing when absent. */
  delete(idHash: string): Promise<void>;
  /**
   * Removes sessions whose expires_at, or last_seen_at + `idleMs`, is before `now`, at most `limit`
   * per call; answers how many it removed (retention calls it until fewer than `limit`).
   */
  purgeExpired(now: number, idleMs: number, limit: number): Promise<number>;
}

/** One-time portal links (records.ts PortalLinkRecord), by the hash of their token. */
export interface PortalLinkRepository {
  create(link: PortalLinkRecord): Promise<void>;
  /**
   * Takes the link: removes it and answers it when it existed and expires_at > `now`; undefined
   * otherwise (an expired link is removed too). Atomic: of several callers (or replicas) taking the
   * same token at once, exactly one gets the link.
   */
  consume(tokenHash: string, now: number): Promise<PortalLinkRecord | undefined>;
  /** Removes links expired before `now`, at most `limit`; answers how many. */
  purgeExpired(now: number, limit: number): Promise<number>;
}

/** What WebhookRepository.update compares before it writes (see there). */
export type WebhookVersion = Pick<WebhookRecord, "updated_at" | "enabled">;

export interface WebhookRepository {
  /**
   * Stores a new webhook. With `perAccountMax`, answers false and writes nothing when its account
   * already has that many webhooks or more; the count is taken atomically with the write, so
   * concurrent creates never take the account past the limit together. True once stored.
   */
  create(webhook: WebhookRecord, perAccountMax?: number): Promise<boolean>;
  /** Undefined when missing or owned by another account. */
  get(accountId: string, id: string): Promise<WebhookRecord | undefined>;
  /** By id alone, for the delivery engine. */
  getById(id: string): Promise<WebhookRecord | undefined>;
  list(accountId: string, page: PageQuery): Promise<Page<WebhookRecord>>;
  /** Enabled webhooks of the account subscribed to `type` (or to "*"). */
  subscribers(accountId: string, type: string): Promise<WebhookRecord[]>;
  /**
   * Replaces the stored webhook. When it becomes disabled, its pending deliveries are cancelled
   * (status "cancelled", removed from the due-time queue). Answers false when it does not exist.
   * With `expected` (the record the caller read), a compare-and-set checked inside the write: only
   * while the stored webhook still has that updated_at and enabled, else "stale" and nothing is
   * written (enabled too: a disable in the millisecond of the read record's updated_at keeps it;
   * WebhooksService raises updated_at with every edit). After "stale" (and after any write of this
   * store), the next read of the webhook through this store is fresh, not cached.
   */
  update(webhook: WebhookRecord, expected?: WebhookVersion): Promise<boolean | "stale">;
  /**
   * Replaces the secret atomically with the stored one: the stored secret becomes the previous
   * secret until `previousExpiresAt` (ms), or is dropped at once when that is null; an older
   * previous secret is dropped either way. Sets updated_at to `at` (never backwards). Answers the
   * webhook as stored, or undefined when missing or foreign. `update` never changes the secrets.
   */
  rotateSecret(
    accountId: string,
    id: string,
    secret: string,
    previousExpiresAt: number | null,
    at: number,
  ): Promise<WebhookRecord | undefined>;
  /** Deletes it and cancels its pending deliveries; false when missing or foreign. */
  delete(accountId: string, id: string): Promise<boolean>;
  /**
   * Disables an enabled webhook (by id alone, for the delivery engine) in one write: enabled
   * false, `disabled_reason`, `disabled_at` and updated_at `at`, its pending deliveries cancelled.
   * Answers the webhook as stored when THIS call disabled it; undefined when it was missing or
   * already disabled (so of several replicas seeing the same 410, exactly one reports it).
   */
  disable(id: string, reason: DisabledReason, at: number): Promise<WebhookRecord | undefined>;
}

/** The operator's event types (records.ts EventTypeRecord); a handful, read whole. */
export interface EventTypeRepository {
  /** Every operator type, archived ones too, in name order. */
  list(): Promise<EventTypeRecord[]>;
  get(name: string): Promise<EventTypeRecord | undefined>;
  /** Stores a new type; false and nothing written when the name is taken (archived or not). */
  create(record: EventTypeRecord): Promise<boolean>;
  /**
   * Replaces description, schema and example of an active type in one write, raising its revision
   * by one and updated_at to `at`. Answers the type as stored, "archived" (nothing written) when it
   * is archived, or undefined when there is none.
   */
  update(
    name: string,
    change: EventTypeChange,
    at: number,
  ): Promise<EventTypeRecord | "archived" | undefined>;
  /**
   * Archives the type: archived_at and updated_at `at`, revision raised, once (an archived type is
   * answered as stored, unchanged). Undefined when there is none.
   */
  archive(name: string, at: number): Promise<EventTypeRecord | undefined>;
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
  /** The leases taken on this event's new deliveries when the publish asked for them (PublishOptions). */
  leases: Lease[];
}

export interface PublishOptions {
  /**
   * Lease the new pending deliveries due now (next_attempt_at <= the store's clock), at most `max`
   * of them over the whole call, to `owner`, in the same write: their first attempts need no poll.
   */
  lease?: { owner: string; leaseMs: number; max: number };
}

/** A delivery addDeliveries did not store, and why: its webhook was disabled or deleted at commit. */
export interface RefusedDelivery {
  delivery_id: string;
  webhook_id: string;
  reason: "disabled" | "deleted";
}

/** What adding deliveries to a stored event did. */
export type AddDeliveriesResult =
  /**
   * Stored: `deliveries` (pending, as given), with those refused left out and named in `refused`;
   * `leases` as PublishResult's, when the call asked for them.
   */
  | { kind: "added"; deliveries: DeliveryRecord[]; refused: RefusedDelivery[]; leases: Lease[] }
  /** The account has no such event (never stored, or removed by retention): nothing was written. */
  | { kind: "missing" };

/** What addDeliveries accepts: a pending delivery of this event, never attempted. */
export function isNewDeliveryOf(delivery: DeliveryRecord, accountId: string, eventId: string): boolean {
  return (
    delivery.account_id === accountId &&
    delivery.event_id === eventId &&
    delivery.status === "pending" &&
    delivery.attempts === 0 &&
    delivery.next_attempt_at !== null
  );
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
  publish(items: PublishItem[], options?: PublishOptions): Promise<PublishResult[]>;
  get(accountId: string, id: string): Promise<EventRecord | undefined>;
  list(accountId: string, page: PageQuery): Promise<Page<EventRecord>>;
  /**
   * Adds new pending deliveries to a stored event (replay), in one atomic write with their due-time
   * queue entries; they join the event's deliveries after the ones it has, and the existing ones are
   * untouched. Each delivery's webhook is checked when the write commits: one that is disabled or
   * deleted by then gets nothing stored and is reported in `refused`. "missing" when the account has
   * no such event. With `options.lease`, the new deliveries due now are leased in the same write,
   * as publish does. Resolves once committed; callers that promise durability then await
   * Store.flushed().
   */
  addDeliveries(
    accountId: string,
    eventId: string,
    deliveries: DeliveryRecord[],
    options?: PublishOptions,
  ): Promise<AddDeliveriesResult>;
}

/** How an attempt changes its delivery. */
export type AttemptOutcomeUpdate =
  | { status: "pending"; next_attempt_at: number } // failed, will retry then
  | { status: "succeeded" }
  | { status: "failed" }; // out of attempts

/** What recording an attempt did. */
export type RecordResult =
  /** Written. `lease` is set when the delivery stays pending, is due before `relet.withinMs` from
   *  now, and was leased again to the same owner (a new token) so its retry needs no poll. */
  | { kind: "recorded"; delivery: DeliveryRecord; lease?: Lease }
  /** The lease's token is stale (expired and taken by another, released, or already recorded):
   *  nothing was written, not even the attempt. The caller counts it. */
  | { kind: "fenced" }
  /** No such delivery (deleted by retention). Nothing was written. */
  | { kind: "missing" };

export interface RecordOptions {
  /** Keep a retry due within `withinMs` leased to the same owner for `leaseMs` past its due time. */
  relet?: { withinMs: number; leaseMs: number };
}

export interface DeliveryRepository {
  get(accountId: string, id: string): Promise<DeliveryRecord | undefined>;
  getById(id: string): Promise<DeliveryRecord | undefined>;
  listForEvent(accountId: string, eventId: string): Promise<DeliveryRecord[]>;
  /**
   * Records a finished attempt made under `lease` and moves its delivery on, atomically: the attempt
   * is appended, the delivery's counters and status change, its lease ends (or is relet, see
   * RecordOptions), and it is due at its next time or no longer. Fenced: when `lease.token` is not
   * the delivery's current token, nothing is written. If the delivery is no longer pending
   * (cancelled meanwhile, which keeps the token), the attempt is kept and counted (attempts,
   * last_attempt_at, last_status_code, last_error move; updated_at never backwards, so the next
   * attempt takes the next number), but its status, due time and queue entries stay as they are
   * and its lease ends. Several calls in one turn may share one transaction (group commit).
   */
  recordAttempt(
    attempt: AttemptRecord,
    update: AttemptOutcomeUpdate,
    lease: LeaseRef,
    options?: RecordOptions,
  ): Promise<RecordResult>;
  /**
   * Makes a delivery pending again, due at `due` (manual retry). A live lease on it is kept (its
   * holder's outcome then decides the next step). Undefined when missing. A delivery that has
   * succeeded (checked inside the write, so also one that succeeded a moment ago) and one whose
   * webhook is disabled or deleted are answered unchanged: nothing is sent again.
   */
  reschedule(accountId: string, id: string, due: number): Promise<DeliveryRecord | undefined>;
  /**
   * The account's deliveries matching `filter`, newest event first (by the event's created_at,
   * then event id), an event's deliveries in reverse order of creation. Answered from indexes:
   * filters without an index of their own are checked per entry, and one page examines a bounded
   * number of entries; a page cut short may hold fewer than `limit` rows (even none) and still
   * carries a cursor to continue.
   */
  list(accountId: string, filter: DeliveryFilter, page: PageQuery): Promise<Page<DeliveryRecord>>;
  /**
   * How many of the webhook's deliveries created in `window` are failed or cancelled now, counted
   * a bounded chunk at a time: up to `chunk.limit` of them after the position `chunk.after` (a
   * previous chunk's `next`, in the order recover walks), so a caller can count a million without
   * stalling. `next` is null once the window holds no more. Malformed `after`: InvalidCursorError.
   */
  countRecoverable(
    accountId: string,
    webhookId: string,
    window: RecoveryWindow,
    chunk: { after?: string; limit: number },
  ): Promise<RecoverableCount>;
  /**
   * One bounded batch of a recovery: up to `limit` of the webhook's failed or cancelled deliveries
   * created in `window`, after the position `after` (a previous batch's `next`), become pending
   * again, due at `due`, with `retry_base` set to their attempts so far (attempts, the attempt log
   * and last_* are kept), in one write. Positions run in (created_at, id) order, so a delivery
   * recovered by one batch that fails again is not taken again by the next. Refused (nothing
   * written) when the webhook is disabled, or deleted or not the account's, when the write commits.
   */
  recover(
    accountId: string,
    webhookId: string,
    window: RecoveryWindow,
    batch: { after?: string; limit: number; due: number },
  ): Promise<RecoverBatch>;
}

export interface RecoverableCount {
  count: number;
  next: string | null;
}

export type RecoverBatch =
  /** `next`: where the following batch starts; null when the window holds no more. */
  | { kind: "recovered"; deliveries: DeliveryRecord[]; next: string | null }
  | { kind: "refused"; reason: "disabled" | "deleted" };

/**
 * Per-webhook attempt rollups and health, written by recordAttempt in the same write as the
 * attempt (O(1) per attempt: one bucket and one health record), purged by retention with the
 * attempts. Reads cost the same for a webhook with ten attempts or ten million.
 */
export interface WebhookStatsRepository {
  health(webhookId: string): Promise<WebhookHealth>;
  /** The webhook's buckets with start in [since, until), oldest first; empty buckets are absent. */
  buckets(webhookId: string, since: number, until: number): Promise<StatsBucket[]>;
  /** The webhook's pending deliveries now, counted from the pending index (no scan of others). */
  pending(webhookId: string): Promise<number>;
}

export interface AttemptRepository {
  /** Stores an attempt that belongs to no delivery (a test send). */
  add(attempt: AttemptRecord): Promise<void>;
  listForDelivery(deliveryId: string): Promise<AttemptRecord[]>;
  /** A webhook's attempts, newest first, filtered. */
  listForWebhook(
    accountId: string,
    webhookId: string,
    filter: AttemptFilter,
    page: PageQuery,
  ): Promise<Page<AttemptRecord>>;
}

/** A pending delivery this replica may attempt until its lease ends; `token` fences its outcome. */
export interface Lease {
  /** The delivery as stored when leased: pending, with its due time (next_attempt_at). */
  delivery: DeliveryRecord;
  /** The delivery's lease counter, raised by every lease: the fencing token. */
  token: number;
  /**
   * How long the lease lasts from the moment the store granted it (measured by the store's clock:
   * max(now, due) + leaseMs - now). The holder's deadline is its own clock taken before the request
   * plus this, which can only be early, never late.
   */
  expiresInMs: number;
}

/** A held lease, as recordAttempt, renew and release name it. */
export interface LeaseRef {
  delivery_id: string;
  token: number;
}

export interface LeaseRequest {
  /** The replica asking (INBOX_REPLICA_ID). */
  owner: string;
  /** Only deliveries due strictly before this (ms). */
  until: number;
  limit: number;
  /** Lease length, counted from max(now, due): at least the attempt timeout plus a margin. */
  leaseMs: number;
  /** Strictly after this entry in due order (paging past what the caller already holds). */
  after?: DueEntry;
}

/**
 * Due work shared by every replica. A delivery is attempted only under a live lease; a live lease is
 * never handed out twice; an expired lease is handed out again with a higher token (its holder was
 * killed or stalled, and its late outcome is fenced out by recordAttempt).
 */
export interface DueWork {
  /**
   * Pending deliveries due before `until`, under no live lease, in due order (then id), each now
   * leased to `owner` for `leaseMs` past its due time. Never waits for another replica's locks.
   */
  lease(request: LeaseRequest): Promise<Lease[]>;
  /** Extends a lease still held (same token) to `leaseMs` from now; undefined when it was lost. */
  renew(owner: string, ref: LeaseRef, leaseMs: number): Promise<Lease | undefined>;
  /** Gives leases back unattempted (no room, shutdown): leasable at once. Stale refs change nothing. */
  release(owner: string, refs: readonly LeaseRef[]): Promise<void>;
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
  readonly stats: WebhookStatsRepository;
  readonly eventTypes: EventTypeRepository;
  readonly sessions: SessionRepository;
  readonly portalLinks: PortalLinkRepository;
  readonly work: DueWork;
  /**
   * Removes attempts older than `before`, and events older than `before` whose deliveries are all
   * finished (with those deliveries), at most `limit` records per call, in one short write.
   */
  purge(before: number, limit: number): Promise<RetentionResult>;
  /** Resolves when every write made before the call is on disk. */
  flushed(): Promise<void>;
  /** The backlog and size, as of `asOf` (see StoreFigures). Synchronous: never touches the database. */
  figures(): StoreFigures;
  /** Whether writes are taken right now (see StoreFullError, StoreUnavailableError). Synchronous. */
  health(): StoreHealth;
  close(): Promise<void>;
}
