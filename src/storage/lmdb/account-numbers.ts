// Account numbers: the hot tables (events, deliveries, attempt logs) name an account by a small
// integer instead of its 31-character id, which alone saves about 90 bytes per delivered event.
// The pairs live in two sub-databases (id -> number, number -> id) and in memory.
//
// Guarantees:
// - a number, once committed, names one account forever: pairs are never removed (an account's
//   records outlive the account until retention removes them, and they keep its number);
// - a number is never handed to two ids by one process, even when the transaction that assigned it
//   rolls back: numbers come from a counter that only goes up (at least one past the largest number
//   committed), so a pair remembered from a rolled-back job is never contradicted. Such a pair names
//   an account with no stored records (they rolled back with it), and a replay of the job writes the
//   same pair again. A gap left by a rollback is harmless.
// - a write finds the number in memory only when its pair is known to be committed (read from the
//   store, or confirmed after the job that wrote it committed); otherwise it asks the store, and
//   writes the pair again when a rollback took it away.
// - one process owns the data directory (./data-dir-lock.ts), so nobody else assigns numbers.

import type { Database } from "lmdb";

/**
 * The account's element in the keys of the hot tables: its number as a decimal string, one or two
 * bytes where ordered-binary spends nine on any number. Accounts are only ever a key's prefix, never
 * a range across accounts, so their order among themselves does not matter.
 */
export function accountKeyPart(n: number): string {
  return String(n);
}

/** The number a key's account element names. */
export function accountOfKeyPart(part: unknown): number {
  return Number(part);
}

export class AccountNumbers {
  private readonly numbers = new Map<string, number>();
  private readonly ids = new Map<number, string>();
  /** Ids whose pair this process wrote and has not yet seen committed. */
  private readonly unconfirmed = new Set<string>();
  private next = 1;

  constructor(
    /** accountId -> number */
    private readonly byId: Database<number, string>,
    /** number -> accountId */
    private readonly byNumber: Database<string, number>,
  ) {}

  /** The account's number, or undefined when it never had one (so it has no stored records). */
  numberOf(accountId: string): number | undefined {
    const known = this.numbers.get(accountId);
    if (known !== undefined) return known;
    const stored = this.byId.get(accountId);
    if (stored !== undefined) this.remember(accountId, stored);
    return stored;
  }

  /** The id a stored number names; throws when the pair is missing (a damaged store). */
  idOf(n: number): string {
    const known = this.ids.get(n);
    if (known !== undefined) return known;
    const stored = this.byNumber.get(n);
    if (stored === undefined) throw new Error(`account number ${n} names no account: the store is damaged`);
    this.remember(stored, n);
    return stored;
  }

  /** The account's number for a write, assigning one when it has none; inside a write transaction. */
  numberFor(accountId: string): number {
    const known = this.numbers.get(accountId);
    return known !== undefined && !this.unconfirmed.has(accountId) ? known : this.assign(accountId);
  }

  /**
   * The account's number, assigning the next one when it has none. Runs inside a write transaction
   * and asks the store, not memory: a pair remembered from a job that rolled back is written again.
   */
  assign(accountId: string): number {
    const stored = this.byId.get(accountId);
    if (stored !== undefined) {
      this.remember(accountId, stored);
      return stored;
    }
    const n = this.numbers.get(accountId) ?? Math.max(this.next, this.largestStored() + 1);
    this.next = Math.max(this.next, n + 1);
    this.write(accountId, n);
    this.remember(accountId, n);
    this.unconfirmed.add(accountId);
    return n;
  }

  /** The job that assigned the account's number has committed (a WriteBatcher afterCommit). */
  confirm(accountId: string): void {
    this.unconfirmed.delete(accountId);
  }

  /** Every pair written so far has committed (after a migration's transaction). */
  confirmAll(): void {
    this.unconfirmed.clear();
  }

  private write(accountId: string, n: number): void {
    this.byId.putSync(accountId, n);
    this.byNumber.putSync(n, accountId);
  }

  private largestStored(): number {
    for (const key of this.byNumber.getKeys({ reverse: true, limit: 1 })) return key;
    return 0;
  }

  private remember(accountId: string, n: number): void {
    this.numbers.set(accountId, n);
    this.ids.set(n, accountId);
  }
}
