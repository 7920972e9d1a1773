// The storage conformance suite: every Store implementation (LMDB today; PostgreSQL or NATS
// JetStream later) must pass it unchanged. It checks each method of src/storage/store.ts and each
// guarantee its comments state, through the public interface only.
//
// Usage: runStoreConformance("lmdb", async () => ({ store, cleanup, reopen })) from a *.test.ts.

import { accountSuites } from "./conformance-accounts";
import { attemptSuites } from "./conformance-attempts";
import { deliverySuites } from "./conformance-deliveries";
import { eventSuites } from "./conformance-events";
import { lifecycleSuites } from "./conformance-lifecycle";
import { webhookLimitSuites } from "./conformance-webhook-limit";
import type { OpenStore } from "./store-context";

export type { OpenedStore, OpenStore } from "./store-context";

export function runStoreConformance(name: string, open: OpenStore): void {
  accountSuites(name, open);
  eventSuites(name, open);
  deliverySuites(name, open);
  attemptSuites(name, open);
  lifecycleSuites(name, open);
  webhookLimitSuites(name, open);
}
