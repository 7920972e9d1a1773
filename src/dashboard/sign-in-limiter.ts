// Sign-in attempts, rate limited in memory: at most PER_ADDRESS_MAX per client address and at most
// OVERALL_MAX from everyone together, each over a sliding window. A refused attempt is not counted
// (waiting is enough to get through). Memory is bounded: at most ADDRESSES_MAX addresses are
// tracked, each with at most its limit of timestamps. Per replica: N replicas allow N times as many.
// The address is the caller's (../http/client-address.ts: the socket peer, or its proxy's word), an
// IPv6 one by its /64 (clientNetwork).

/** A sliding-window limit: at most `max` events in any `windowMs`. */
export class SlidingWindow {
  private readonly times: number[] = [];
  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /** Ms until one more event is allowed; 0 when it is allowed now. */
  waitMs(now: number): number {
    this.expire(now);
    if (this.times.length < this.max) return 0;
    return (this.times[0] as number) + this.windowMs - now;
  }

  record(now: number): void {
    this.expire(now);
    this.times.push(now);
  }

  isIdle(now: number): boolean {
    this.expire(now);
    return this.times.length === 0;
  }

  private expire(now: number): void {
    while (this.times.length > 0 && (this.times[0] as number) <= now - this.windowMs) this.times.shift();
  }
}

export interface SignInLimits {
  perAddressMax: number;
  perAddressWindowMs: number;
  overallMax: number;
  overallWindowMs: number;
  addressesMax: number;
}

/** 10 tries per address in 5 minutes; 300 from everyone per minute; 10,000 addresses tracked. */
const SIGN_IN_LIMITS: SignInLimits = {
  perAddressMax: 10,
  perAddressWindowMs: 5 * 60_000,
  overallMax: 300,
  overallWindowMs: 60_000,
  addressesMax: 10_000,
};

export class SignInLimiter {
  private readonly overall: SlidingWindow;
  private readonly byAddress = new Map<string, SlidingWindow>();

  constructor(private readonly limits: SignInLimits = SIGN_IN_LIMITS) {
    this.overall = new SlidingWindow(limits.overallMax, limits.overallWindowMs);
  }

  /** Counts an attempt from `address` and answers 0, or refuses it: seconds to wait (at least 1). */
  attempt(address: string, now: number): number {
    const own = this.byAddress.get(address);
    const waitMs = Math.max(this.overall.waitMs(now), own?.waitMs(now) ?? 0);
    if (waitMs > 0) return Math.max(1, Math.ceil(waitMs / 1000));
    this.overall.record(now);
    this.windowOf(address, now).record(now);
    return 0;
  }

  private windowOf(address: string, now: number): SlidingWindow {
    let window = this.byAddress.get(address);
    if (window) return window;
    if (this.byAddress.size >= this.limits.addressesMax) this.evict(now);
    window = new SlidingWindow(this.limits.perAddressMax, this.limits.perAddressWindowMs);
    this.byAddress.set(address, window);
    return window;
  }

  /** Drops idle addresses; if none is idle, the longest-tracked one (its limit then restarts). */
  private evict(now: number): void {
    for (const [address, window] of this.byAddress) if (window.isIdle(now)) this.byAddress.delete(address);
    if (this.byAddress.size < this.limits.addressesMax) return;
    const oldest = this.byAddress.keys().next().value;
    if (oldest !== undefined) this.byAddress.delete(oldest);
  }
}
