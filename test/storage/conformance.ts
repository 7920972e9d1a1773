// The storage conformance suite: every Store implementation (LMDB, PostgreSQL) must pass it
// unchanged. It checks each method of src/storage/store.ts and each guarantee its comments state,
// through the public interface only, with the store's clock in the test's hand.
//
// Usage: runStoreConformance("<engine>", opener) from <engine>-store.test.ts; how to write the
// opener is at the top of ./store-context.ts.

import { accountSuites } from "./conformance-accounts";
import { attemptSuites } from "./conformance-attempts";
import { bootstrapSuites } from "./conformance-bootstrap";
import { cancelledAttemptSuites } from "./conformance-cancelled-attempts";
import { deliverySuites } from "./conformance-deliveries";
import { disablingSuites } from "./conformance-disabling";
import { eventTypeSuites } from "./conformance-event-types";
import { eventSuites } from "./conformance-events";
import { fencingSuites } from "./conformance-fencing";
import { keyScopeSuites } from "./conformance-key-scopes";
import { leaseSuites } from "./conformance-leases";
import { lifecycleSuites } from "./conformance-lifecycle";
import { listingSuites } from "./conformance-listing";
import { recoverySuites } from "./conformance-recovery";
import { replaySuites } from "./conformance-replay";
import { sessionSuites } from "./conformance-sessions";
import { statsSuites } from "./conformance-stats";
import { webhookCasSuites } from "./conformance-webhook-cas";
import { webhookControlSuites } from "./conformance-webhook-controls";
import { webhookLimitSuites } from "./conformance-webhook-limit";
import { webhookSecretSuites } from "./conformance-webhook-secrets";
import type { OpenStore } from "./store-context";

export type { OpenedStore, OpenStore } from "./store-context";
export { TestClock } from "./store-context";

export function runStoreConformance(name: string, open: OpenStore): void {
  accountSuites(name, open);
  bootstrapSuites(name, open);
  eventSuites(name, open);
  deliverySuites(name, open);
  leaseSuites(name, open);
  fencingSuites(name, open);
  cancelledAttemptSuites(name, open);
  attemptSuites(name, open);
  lifecycleSuites(name, open);
  webhookLimitSuites(name, open);
  webhookSecretSuites(name, open);
  replaySuites(name, open);
  recoverySuites(name, open);
  listingSuites(name, open);
  disablingSuites(name, open);
  statsSuites(name, open);
  keyScopeSuites(name, open);
  eventTypeSuites(name, open);
  webhookControlSuites(name, open);
  webhookCasSuites(name, open);
  sessionSuites(name, open);
}
