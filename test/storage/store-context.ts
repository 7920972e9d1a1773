// How a conformance test gets its store: a fresh one per test from the implementation's opener.
//
// To run the suite on another store, write test/storage/<engine>-store.test.ts with one call:
//
//   runStoreConformance("<engine>", async (clock) => {
//     const store = await openMyStore({ ..., now: clock.now });   // the store's clock is `clock`
//     return {
//       store,
//       cleanup: async () => { await store.close(); /* drop its files, schema or database */ },
//       reopen: async () => { await store.close(); return openMyStore({ ...same data, now: clock.now }) },
//       settleFigures: async () => { /* refresh figures() now, if they are refreshed in the background */ },
//     };
//   });
//
// - `clock.now` must be what the store reads as "now" for leases, their expiry and the publish
//   lease's "due now"; tests move it with clock.advance / clock.set instead of sleeping;
// - `reopen` closes the store and opens the same data again (a restart, or a new client of the
//   same schema); leave it out only if that is impossible, and the restart tests pass vacuously;
// - `settleFigures` is only for stores whose figures() are a background snapshot (leave it out
//   when they are live);
// - engine-specific tests (locks, damage, disk full, migrations) do not belong in conformance*.ts.

import { afterEach, beforeEach } from "bun:test";
import type { Store } from "../../src/storage/store";
import { T0 } from "./fixtures";

/** The store's clock in tests: starts at T0 (when fixture deliveries fall due) and moves by hand. */
export class TestClock {
  constructor(private ms = T0) {}
  /** Bound, so that it can be handed to a store as its `now`. */
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

export interface OpenedStore {
  store: Store;
  /** Closes the store and removes everything it wrote. */
  cleanup: () => Promise<void>;
  /** Closes the store and opens the same data again (tests of durability across restarts). */
  reopen?: () => Promise<Store>;
  /** Makes figures() current when the store refreshes them in the background; absent when live. */
  settleFigures?: () => Promise<void>;
}

/** Opens a fresh, empty store whose clock is `clock`. */
export type OpenStore = (clock: TestClock) => Promise<OpenedStore>;

/** Gives each test a fresh store: `ctx.store` inside a test, cleaned up after it. */
export interface StoreContext {
  readonly store: Store;
  readonly opened: OpenedStore;
  /** The store's clock, back at T0 for every test. */
  readonly clock: TestClock;
  /** Reopens the same data (when the implementation supports it) and makes it `ctx.store`. */
  reopen(): Promise<Store | undefined>;
  /** The store's figures, made current first when they are a background snapshot. */
  figures(): Promise<ReturnType<Store["figures"]>>;
}

export function freshStorePerTest(open: OpenStore): StoreContext {
  let opened: OpenedStore | undefined;
  let current: Store | undefined;
  let clock = new TestClock();
  beforeEach(async () => {
    clock = new TestClock();
    opened = await open(clock);
    current = opened.store;
  });
  afterEach(async () => {
    await opened?.cleanup();
    opened = undefined;
    current = undefined;
  });
  return {
    get store() {
      if (!current) throw new Error("no store open");
      return current;
    },
    get opened() {
      if (!opened) throw new Error("no store open");
      return opened;
    },
    get clock() {
      return clock;
    },
    async reopen() {
      if (!opened?.reopen) return undefined;
      current = await opened.reopen();
      return current;
    },
    async figures() {
      if (!current) throw new Error("no store open");
      await opened?.settleFigures?.();
      return current.figures();
    },
  };
}
