// Runs delivery attempts under three caps at once, global, per account and per webhook, and hands
// freed slots out fairly: round-robin over the accounts with work waiting, then round-robin over
// that account's webhooks. So one account whose receivers hang holds at most `perAccount` slots,
// and an account with due work gets a slot within one turn of the ring however long the queues
// of the others are.
//
// Guarantees:
// - at most `global` tasks run, at most `perAccount` of one account, `perWebhook` of one webhook;
// - a task whose webhook or account is at its cap waits in its webhook's FIFO (its lane) without
//   blocking other webhooks or accounts;
// - a freed slot goes to the next account in the ring that has a task it may start, one task an
//   account a turn, and within it to its next ready webhook, one task a webhook a turn;
// - memory is bounded: a lane holds at most `queuePerWebhook` waiting tasks, an account at most
//   `queuePerAccount` and all accounts together at most `queueTotal`; `offer` refuses beyond that
//   and the caller keeps the task elsewhere (the store's due-time queue);
// - idle webhooks and accounts are forgotten: what is kept is proportional to the work held;
// - with a pacer (rate-limit.ts), a webhook's task starts only when its pacer lets it: until then
//   its lane is held, out of the turn order, holding no slot of the webhook, its account or the
//   limiter, with at most one timer set for when it may start; a paced webhook's lane holds at most
//   the pacer's laneCap waiting tasks.
//
// A lane is named by its webhook alone: webhook keys must be unique across accounts (ids are).

import { Fifo } from "./fifo";
import type { LanePacer } from "./rate-limit";

export interface FairLimits {
  global: number;
  perAccount: number;
  perWebhook: number;
  queuePerWebhook: number;
  queuePerAccount: number;
  /** Waiting tasks across all accounts. */
  queueTotal: number;
}

export interface FairLimiterOptions<T> extends FairLimits {
  /** Runs one task; its settling frees the slot. Rejections are the caller's to handle inside. */
  run: (item: T) => Promise<void>;
  /** After a slot was freed and waiting tasks had their turn: there is room for more work. */
  onSlotFree?: (account: string, webhook: string) => void;
  /** Holds back the lanes of rate-limited webhooks; without it every lane starts at will. */
  pacer?: LanePacer;
}

export type OfferResult = "started" | "queued" | "refused";

interface AccountState<T> {
  key: string;
  active: number;
  /** Tasks waiting in this account's lanes. */
  queued: number;
  /** Lanes kept for this account (idle ones are forgotten). */
  lanes: number;
  /** Lanes with a waiting task and a free webhook slot, in turn order. */
  readyLanes: Fifo<Lane<T>>;
  /** In the limiter's ring: has a ready lane and a free account slot. */
  inRing: boolean;
}

interface Lane<T> {
  key: string;
  account: AccountState<T>;
  active: number;
  waiting: Fifo<T>;
  /** In its account's readyLanes. */
  ready: boolean;
  /** Held back by the pacer: out of the turn order until wake(). */
  held: boolean;
  /** Wakes a held lane when its pacer lets it start (unset while it waits for wake() alone). */
  wakeTimer: ReturnType<typeof setTimeout> | undefined;
}

export class FairLimiter<T> {
  private readonly accounts = new Map<string, AccountState<T>>();
  private readonly lanes = new Map<string, Lane<T>>();
  private readonly ring = new Fifo<AccountState<T>>();
  private activeCount = 0;
  private waitingCount = 0;
  private paused = false;

  constructor(private readonly opts: FairLimiterOptions<T>) {
    const { global, perAccount, perWebhook } = opts;
    if (!(perWebhook >= 1 && perWebhook <= perAccount && perAccount <= global)) {
      throw new RangeError(`limits must satisfy 1 <= perWebhook <= perAccount <= global`);
    }
  }

  /** Tasks running. */
  get active(): number {
    return this.activeCount;
  }

  /** Tasks waiting in lanes. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Tasks running for `account`. */
  activeFor(account: string): number {
    return this.accounts.get(account)?.active ?? 0;
  }

  /** Whether a task of this webhook would be refused now (its lane or its account is full). */
  full(account: string, webhook: string): boolean {
    const lane = this.lanes.get(webhook);
    const queued = this.accounts.get(account)?.queued ?? 0;
    return (
      (lane?.waiting.size ?? 0) >= this.laneCap(webhook) ||
      queued >= this.opts.queuePerAccount ||
      this.waitingCount >= this.opts.queueTotal
    );
  }

  /** Whether this webhook's lane and its account's queue are at most half full. */
  halfEmpty(account: string, webhook: string): boolean {
    const lane = this.lanes.get(webhook);
    const queued = this.accounts.get(account)?.queued ?? 0;
    return (
      (lane?.waiting.size ?? 0) * 2 <= this.laneCap(webhook) &&
      queued * 2 <= this.opts.queuePerAccount &&
      this.waitingCount * 2 <= this.opts.queueTotal
    );
  }

  /** Starts the task now, queues it in its webhook's lane, or refuses it when that is full. */
  offer(account: string, webhook: string, item: T): OfferResult {
    const lane = this.laneOf(account, webhook);
    const owner = lane.account;
    if (lane.waiting.size === 0 && this.mayStart(lane) && this.paced(lane)) {
      this.start(lane, item);
      return "started";
    }
    if (
      lane.waiting.size >= this.laneCap(webhook) ||
      owner.queued >= this.opts.queuePerAccount ||
      this.waitingCount >= this.opts.queueTotal
    ) {
      this.forgetIfIdle(lane);
      return "refused";
    }
    lane.waiting.push(item);
    owner.queued++;
    this.waitingCount++;
    this.markReady(lane);
    this.pump();
    return "queued";
  }

  /** Stops starting tasks (queued ones stay queued); running ones finish. */
  pause(): void {
    this.paused = true;
  }

  /**
   * The pacer lets `webhook` start sooner than it said (its limit was learnt or changed): a held
   * lane rejoins the turn order and asks it again.
   */
  wake(webhook: string): void {
    const lane = this.lanes.get(webhook);
    if (!lane?.held) return;
    this.release(lane);
    this.markReady(lane);
    this.pump();
  }

  /**
   * Takes out of a webhook's lane the tasks beyond its cap (the newest), oldest first: a lane
   * filled before its pacer knew the webhook's limit keeps only what that limit allows.
   */
  trim(webhook: string): T[] {
    const lane = this.lanes.get(webhook);
    if (lane === undefined) return [];
    const out = lane.waiting.cut(this.laneCap(webhook));
    lane.account.queued -= out.length;
    this.waitingCount -= out.length;
    this.forgetIfIdle(lane);
    return out;
  }

  /** Drops every queued task and answers them. */
  drain(): T[] {
    const out: T[] = [];
    for (const lane of this.lanes.values()) {
      out.push(...lane.waiting.drain());
      this.release(lane);
      lane.ready = false;
      lane.account.queued = 0;
      lane.account.readyLanes.drain();
      lane.account.inRing = false;
    }
    this.ring.drain();
    this.waitingCount = 0;
    for (const lane of [...this.lanes.values()]) this.forgetIfIdle(lane);
    return out;
  }

  private laneOf(account: string, webhook: string): Lane<T> {
    let lane = this.lanes.get(webhook);
    if (lane) return lane;
    let owner = this.accounts.get(account);
    if (!owner) {
      owner = { key: account, active: 0, queued: 0, lanes: 0, readyLanes: new Fifo(), inRing: false };
      this.accounts.set(account, owner);
    }
    lane = {
      key: webhook,
      account: owner,
      active: 0,
      waiting: new Fifo(),
      ready: false,
      held: false,
      wakeTimer: undefined,
    };
    this.lanes.set(webhook, lane);
    owner.lanes++;
    return lane;
  }

  private mayStart(lane: Lane<T>): boolean {
    return (
      !this.paused &&
      this.activeCount < this.opts.global &&
      lane.account.active < this.opts.perAccount &&
      lane.active < this.opts.perWebhook
    );
  }

  /** Most tasks the webhook's lane may hold waiting. */
  private laneCap(webhook: string): number {
    const paced = this.opts.pacer?.laneCap(webhook);
    return paced === undefined ? this.opts.queuePerWebhook : Math.min(paced, this.opts.queuePerWebhook);
  }

  /** Whether the pacer lets the lane start a task now (taking its token); holds the lane if not. */
  private paced(lane: Lane<T>): boolean {
    const { pacer } = this.opts;
    if (pacer === undefined) return true;
    const waitMs = pacer.tryStart(lane.key, lane.active);
    if (waitMs === 0) return true;
    this.release(lane);
    lane.held = true;
    if (Number.isFinite(waitMs)) {
      lane.wakeTimer = setTimeout(() => this.wake(lane.key), waitMs);
      lane.wakeTimer.unref?.();
    }
    return false;
  }

  private release(lane: Lane<T>): void {
    if (lane.wakeTimer !== undefined) clearTimeout(lane.wakeTimer);
    lane.wakeTimer = undefined;
    lane.held = false;
  }

  private start(lane: Lane<T>, item: T): void {
    lane.active++;
    lane.account.active++;
    this.activeCount++;
    let task: Promise<void>;
    try {
      task = this.opts.run(item);
    } catch (err) {
      task = Promise.reject(err);
    }
    task.catch(() => {}).finally(() => this.settled(lane));
  }

  private settled(lane: Lane<T>): void {
    lane.active--;
    lane.account.active--;
    this.activeCount--;
    // Held for want of a known limit (no timer): the attempt that was to learn it is over.
    if (lane.held && lane.wakeTimer === undefined) this.release(lane);
    this.markReady(lane);
    this.enterRing(lane.account);
    this.pump();
    const { account } = lane;
    this.forgetIfIdle(lane);
    this.opts.onSlotFree?.(account.key, lane.key);
  }

  /** Puts the lane in its account's turn order when it has a task it may start. */
  private markReady(lane: Lane<T>): void {
    if (lane.ready || lane.held || lane.waiting.size === 0 || lane.active >= this.opts.perWebhook) return;
    lane.ready = true;
    lane.account.readyLanes.push(lane);
    this.enterRing(lane.account);
  }

  /** Puts the account in the ring when it has a ready lane and a free account slot. */
  private enterRing(account: AccountState<T>): void {
    if (account.inRing || account.readyLanes.size === 0 || account.active >= this.opts.perAccount) return;
    account.inRing = true;
    this.ring.push(account);
  }

  /** Gives free global slots out: one task per account per turn, one per webhook per turn. */
  private pump(): void {
    while (!this.paused && this.activeCount < this.opts.global) {
      const account = this.ring.shift();
      if (account === undefined) return;
      account.inRing = false;
      const lane = account.active < this.opts.perAccount ? this.nextReadyLane(account) : undefined;
      if (lane !== undefined && this.paced(lane)) {
        const item = lane.waiting.shift() as T;
        account.queued--;
        this.waitingCount--;
        this.start(lane, item);
        this.markReady(lane);
      }
      this.enterRing(account);
    }
  }

  /** The account's next lane with a task it may start, taken out of the turn order. */
  private nextReadyLane(account: AccountState<T>): Lane<T> | undefined {
    for (let lane = account.readyLanes.shift(); lane !== undefined; lane = account.readyLanes.shift()) {
      lane.ready = false;
      if (lane.waiting.size > 0 && lane.active < this.opts.perWebhook) return lane;
      this.forgetIfIdle(lane);
    }
    return undefined;
  }

  private forgetIfIdle(lane: Lane<T>): void {
    if (lane.active > 0 || lane.waiting.size > 0 || lane.ready) return;
    this.release(lane);
    if (this.lanes.get(lane.key) !== lane) return;
    this.lanes.delete(lane.key);
    const account = lane.account;
    account.lanes--;
    if (account.lanes === 0 && account.active === 0 && !account.inRing) this.accounts.delete(account.key);
  }
}
