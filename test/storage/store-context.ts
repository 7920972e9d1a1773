// How a conformance test gets its store: a fresh one per test from the implementation's opener.

import { afterEach, beforeEach } from "bun:test";
import type { Store } from "../../src/storage/store";

export interface OpenedStore {
  store: Store;
  /** Closes the store and removes everything it wrote. */
  cleanup: () => Promise<void>;
  /** Closes the store and opens the same data again (tests of durability across restarts). */
  reopen?: () => Promise<Store>;
}

export type OpenStore = () => Promise<OpenedStore>;

/** Gives each test a fresh store: `ctx.store` inside a test, cleaned up after it. */
export interface StoreContext {
  readonly store: Store;
  readonly opened: OpenedStore;
  /** Reopens the same data (when the implementation supports it) and makes it `ctx.store`. */
  reopen(): Promise<Store | undefined>;
}

export function freshStorePerTest(open: OpenStore): StoreContext {
  let opened: OpenedStore | undefined;
  let current: Store | undefined;
  beforeEach(async () => {
    opened = await open();
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
    async reopen() {
      if (!opened?.reopen) return undefined;
      current = await opened.reopen();
      return current;
    },
  };
}
