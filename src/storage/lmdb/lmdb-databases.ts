// The LMDB environment and its named sub-databases, with the key layout of each. Keys are arrays
// encoded by ordered-binary, so they sort element by element (numbers before strings) and a prefix
// such as [accountId] bounds a range scan.

import { type Database, type Key, open as openEnvironment, type RootDatabase } from "lmdb";
import { AccountNumbers } from "./account-numbers";

/** Index entries carry no payload; `null` encodes to one byte. */
export type Marker = null;
export const MARK: Marker = null;

export interface Databases {
  /** The data file. */
  path: string;
  root: RootDatabase;
  /** Opens another sub-database by name with the same encoding (migrations reach retired ones). */
  open: (name: string) => Database;
  /** key string -> string (schema_version and whatever the application keeps). */
  meta: Database<string, string>;
  /** accountId -> AccountRecord */
  accounts: Database;
  /** [accountId, keyId] -> ApiKeyRecord */
  apiKeys: Database;
  /** key hash -> [accountId, keyId] */
  apiKeyHashes: Database<[string, string], string>;
  /** [accountId, webhookId] -> WebhookRecord */
  webhooks: Database;
  /** webhookId -> accountId, for lookups by id alone */
  webhookOwners: Database<string, string>;
  /** The account numbers that name accounts in events, deliveries and attempt logs. */
  accountNumbers: AccountNumbers;
  /**
   * [account, created_at, eventId] -> EventValue (./record-codecs.ts): an account's events in time
   * order, also retention's walk. The account is its number's key part (./account-numbers.ts); the
   * event id is the envelope id, any string.
   */
  events: Database;
  /**
   * [account, eventId] -> created_at, only for events whose id does not tell their creation
   * time (./event-locations.ts): a generated id carries it, a publisher's own id does not.
   */
  eventTimes: Database;
  /** deliveryId -> DeliveryValue (./record-codecs.ts) */
  deliveries: Database;
  /** [webhookId, deliveryId] -> due: the webhook's pending deliveries, for cancellation */
  pendingByWebhook: Database;
  /** [webhookId, created_at, deliveryId] -> status code: failed and cancelled deliveries (./unsuccessful-index.ts) */
  unsuccessful: Database;
  /** [due, deliveryId] -> MARK: the due-time queue, one entry per pending delivery */
  queue: Database;
  /** [account, webhookId, started_at, attemptId] -> AttemptValue: each webhook's log in time order */
  attempts: Database;
  /** [webhookId, bucketStart] -> rollup bucket (./attempt-rollups.ts); starts empty (no migration) */
  webhookStats: Database;
  /** webhookId -> health record (./attempt-rollups.ts); starts empty (no migration) */
  webhookHealth: Database;
  /** name -> EventTypeRecord: the operator's event types; starts empty (no migration) */
  eventTypes: Database;
  /** id hash -> SessionRecord: dashboard sessions; starts empty (no migration) */
  sessions: Database;
  /** token hash -> PortalLinkRecord: one-time portal links; starts empty (no migration) */
  portalLinks: Database;
  /**
   * When dashboard sessions and portal links end, for their purge (./dashboard-expiry.ts):
   * ["session_expires", expires_at, idHash], ["session_seen", last_seen_at, idHash] and
   * ["link_expires", expires_at, tokenHash] -> MARK. Starts empty (no migration).
   */
  dashboardExpiry: Database;
}

/**
 * A value stored with `spare` trailing spaces, which JSON ignores. A record that will grow (a new
 * delivery gains its first attempt's key and outcome) then grows in the room it already takes: LMDB
 * writes a value that fits where the old one was without splitting the page, which would otherwise
 * leave two half-empty pages behind whenever records are rewritten after their neighbours were added.
 */
export class RoomToGrow {
  constructor(
    readonly value: unknown,
    readonly spare: number,
  ) {}
}

/**
 * Encodes values as JSON, like lmdb's `encoding: "json"`, but without allocating a Buffer for every
 * put: the text is written into one reused scratch buffer, and index markers (null) are a constant.
 * This is safe because every write of ours is a `putSync` inside a synchronous transaction, which
 * copies the value into LMDB before it returns; nothing here may ever use the asynchronous `put`.
 * Reads are untouched (lmdb decodes JSON values natively for `encoding: "json"`).
 */
const SCRATCH = Buffer.allocUnsafeSlow(256 * 1024);
const NULL_JSON = Buffer.from("null");
const jsonEncoder = {
  encode(value: unknown): Uint8Array {
    if (value === null) return NULL_JSON;
    const text =
      value instanceof RoomToGrow
        ? JSON.stringify(value.value) + " ".repeat(value.spare)
        : JSON.stringify(value);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; larger values get a buffer of their own.
    if (text.length * 3 > SCRATCH.length) return Buffer.from(text);
    return SCRATCH.subarray(0, SCRATCH.write(text, 0, "utf8"));
  },
};

/** The sub-database of events (schema 3; ./schema-v2.ts names the earlier ones). */
export const EVENTS_TABLE = "event_records";

/** The sub-database of failed and cancelled deliveries by webhook (schema 4). */
export const UNSUCCESSFUL_TABLE = "unsuccessful_by_webhook";

/** Name of the LMDB data file inside the data directory (its LMDB lock file is `<name>-lock`). */
export const DATA_FILE = "inbox.mdb";

export function openDatabases(path: string, mapSizeBytes: number | undefined): Databases {
  const root = openEnvironment({
    path,
    // Commits return before the disk flush of async batches; our writes use transactionSync,
    // whose commit flushes before returning, so durability never depends on timing.
    overlappingSync: true,
    // JSON values: our records are plain JSON data, and decoding them is about twice as fast as
    // msgpack with per-record structure definitions (measured: 1.5 vs 3.7 µs a read), which
    // dominated the delivery path's reads.
    encoding: "json",
    // 21 sub-databases now, and up to 8 retired ones open at once while an old store migrates
    // (./schema-v2.ts, ./schema-v3.ts): room left for more.
    maxDbs: 40,
    ...(mapSizeBytes ? { mapSize: mapSizeBytes } : {}),
  });
  const open = <V = unknown, K extends Key = Key>(name: string): Database<V, K> => {
    const store = root.openDB<V, K>({ name, encoding: "json" });
    (store as unknown as { encoder: typeof jsonEncoder }).encoder = jsonEncoder;
    return store;
  };
  const db = (name: string): Database => open(name);
  return {
    path,
    root,
    meta: open<string, string>("meta"),
    accounts: db("accounts"),
    apiKeys: db("api_keys"),
    apiKeyHashes: open<[string, string], string>("api_key_hashes"),
    webhooks: db("webhooks"),
    webhookOwners: open<string, string>("webhook_owners"),
    accountNumbers: new AccountNumbers(open("account_numbers"), open("account_ids")),
    events: db(EVENTS_TABLE),
    eventTimes: db("event_id_times"),
    deliveries: db("deliveries"),
    pendingByWebhook: db("pending_by_webhook"),
    queue: db("queue"),
    unsuccessful: db(UNSUCCESSFUL_TABLE),
    attempts: db("attempt_log"),
    webhookStats: db("webhook_stats"),
    webhookHealth: db("webhook_health"),
    eventTypes: db("event_types"),
    sessions: db("sessions"),
    portalLinks: db("portal_links"),
    dashboardExpiry: db("dashboard_expiry"),
    open: db,
  };
}

/** Entries in a sub-database, from LMDB's own page statistics (O(1), no scan). */
export function entryCount(db: Database): number {
  return (db.getStats() as { entryCount: number }).entryCount;
}
