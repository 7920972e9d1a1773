// When each API key was last used, without a store write per request. Authentication notes a use in
// memory (one Map set, never awaited); a background flush writes the newest use of every key used
// since the previous flush in one store write, once a minute. So:
// - a key's last_used_at is written at most once per flush interval (one minute);
// - a request never waits for it, and a slow or failing store never slows authentication (a failed
//   flush keeps its uses for the next one);
// - a crash loses at most the uses noted since the last flush (a minute's worth); stop() flushes;
// - memory is bounded: at most PENDING_KEYS_MAX keys wait for a flush; uses of further keys are
//   not recorded until the next flush makes room (their keys show an older last_used_at).
// Readers ask lastUsed() for the newest use not yet written, to show it before the flush.

import type { Logger } from "../observability/logger";
import type { ApiKeyRecord, KeyUse } from "../storage/records";
import type { Store } from "../storage/store";

export const KEY_USAGE_FLUSH_MS = 60_000;
export const PENDING_KEYS_MAX = 10_000;

export class KeyUsage {
  /** Uses since the last flush began, by key id: the newest one. */
  private pending = new Map<string, KeyUse>();
  /** The uses the flush under way is writing. */
  private writing = new Map<string, KeyUse>();
  private flushing: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: { store: Store; now: () => number; logger: Logger }) {}

  /** Notes that `key` authenticated a request now. O(1), never blocks. */
  note(key: ApiKeyRecord): void {
    const known = this.pending.get(key.id);
    if (known === undefined && this.pending.size >= PENDING_KEYS_MAX) return;
    this.pending.set(key.id, { account_id: key.account_id, id: key.id, at: this.deps.now() });
  }

  /** The newest use of the key not yet in the store, if any. */
  lastUsed(keyId: string): number | undefined {
    return this.pending.get(keyId)?.at ?? this.writing.get(keyId)?.at;
  }

  /** Starts the once-a-minute background flush. */
  start(): void {
    this.timer ??= setInterval(() => void this.flush(), KEY_USAGE_FLUSH_MS);
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Writes the pending uses in one store write; a flush under way is awaited, never doubled. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    this.writing = this.pending;
    this.pending = new Map();
    try {
      await this.deps.store.apiKeys.recordUse([...this.writing.values()]);
    } catch (error) {
      this.deps.logger.warn("could not record API key use; retrying at the next flush", {
        keys: this.writing.size,
        error: String(error),
      });
      this.requeue();
    } finally {
      this.writing = new Map();
    }
  }

  /** Puts a failed flush's uses back, unless a newer use of the key was noted meanwhile. */
  private requeue(): void {
    for (const [id, use] of this.writing) {
      if (!this.pending.has(id) && this.pending.size < PENDING_KEYS_MAX) this.pending.set(id, use);
    }
  }
}
