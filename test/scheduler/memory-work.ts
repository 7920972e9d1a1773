// An in-memory DueWork with the store contract's ordering (due, then id) and leases (tokens, expiry,
// owners), for scheduler tests that need millions of entries or precise control over what the store
// holds. Its clock is real time unless given.

import type { DeliveryRecord, DueEntry } from "../../src/storage/records";
import type { DueWork, Lease, LeaseRef, LeaseRequest } from "../../src/storage/store";

const before = (a: DueEntry, b: DueEntry) =>
  a.due < b.due || (a.due === b.due && a.delivery_id < b.delivery_id);

interface Held {
  owner: string;
  token: number;
  expiresAt: number;
}

export class MemoryWork implements DueWork {
  private entries: DueEntry[] = [];
  private readonly leases = new Map<string, Held>();
  private nextToken = 1;
  readonly scans: Array<{ until: number; limit: number; returned: number; after?: DueEntry }> = [];
  readonly released: LeaseRef[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds pending entries; sorts once, so bulk loads stay fast. */
  add(...entries: DueEntry[]): void {
    this.addAll(entries);
  }

  addAll(entries: DueEntry[]): void {
    for (const e of entries) this.entries.push(e);
    this.entries.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }

  /** The entry is no longer pending (its outcome was recorded): gone, with its lease. */
  remove(id: string): void {
    const i = this.entries.findIndex((e) => e.delivery_id === id);
    if (i >= 0) this.entries.splice(i, 1);
    this.leases.delete(id);
  }

  /** Adds an entry leased to `owner` at once, as a publish that leases its first attempt does. */
  grant(entry: DueEntry, owner: string, leaseMs = 60_000): Lease {
    this.add(entry);
    return this.leaseOf(entry, owner, leaseMs);
  }

  /** Leases held now by `owner` (live or not), by delivery id. */
  heldBy(owner: string): string[] {
    return [...this.leases].filter(([, l]) => l.owner === owner).map(([id]) => id);
  }

  size(): number {
    return this.entries.length;
  }

  lease(request: LeaseRequest): Promise<Lease[]> {
    const { until, limit, after, owner, leaseMs } = request;
    const now = this.now();
    const out: Lease[] = [];
    for (let i = this.firstAfter(after); i < this.entries.length && out.length < limit; i++) {
      const e = this.entries[i] as DueEntry;
      if (e.due >= until) break;
      const held = this.leases.get(e.delivery_id);
      if (held && held.expiresAt > now) continue;
      out.push(this.leaseOf(e, owner, leaseMs));
    }
    this.scans.push({ until, limit, returned: out.length, after });
    return Promise.resolve(out);
  }

  renew(owner: string, ref: LeaseRef, leaseMs: number): Promise<Lease | undefined> {
    const held = this.leases.get(ref.delivery_id);
    const entry = this.entries.find((e) => e.delivery_id === ref.delivery_id);
    if (!held || !entry || held.owner !== owner || held.token !== ref.token)
      return Promise.resolve(undefined);
    held.expiresAt = this.now() + leaseMs;
    return Promise.resolve({ delivery: record(entry), token: held.token, expiresInMs: leaseMs });
  }

  release(owner: string, refs: readonly LeaseRef[]): Promise<void> {
    for (const ref of refs) {
      this.released.push(ref);
      const held = this.leases.get(ref.delivery_id);
      if (held?.owner === owner && held.token === ref.token) this.leases.delete(ref.delivery_id);
    }
    return Promise.resolve();
  }

  private leaseOf(entry: DueEntry, owner: string, leaseMs: number): Lease {
    const now = this.now();
    const expiresAt = Math.max(now, entry.due) + leaseMs;
    const token = this.nextToken++;
    this.leases.set(entry.delivery_id, { owner, token, expiresAt });
    return { delivery: record(entry), token, expiresInMs: expiresAt - now };
  }

  private firstAfter(after: DueEntry | undefined): number {
    if (!after) return 0;
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(after, this.entries[mid] as DueEntry)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** A pending delivery record for an entry (only its id and due time matter to the scheduler). */
function record(entry: DueEntry): DeliveryRecord {
  return {
    id: entry.delivery_id,
    account_id: "acct_test",
    event_id: "evt_test",
    event_type: "message.delivered",
    webhook_id: "wh_test",
    status: "pending",
    attempts: 0,
    next_attempt_at: entry.due,
    created_at: entry.due,
    updated_at: entry.due,
    last_attempt_at: null,
    last_status_code: null,
    last_error: null,
  };
}
