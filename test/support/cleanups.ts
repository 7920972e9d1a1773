// Teardown steps a test registers as it goes, run after it newest first (a server before the store
// it writes to, the store before its directory).

import { afterEach } from "bun:test";

type Step = () => Promise<void> | void;

/** Call once at a test file's top level; `push` what each test must undo. */
export function cleanupAfterEach(): { push(step: Step): void } {
  const steps: Step[] = [];
  afterEach(async () => {
    for (const step of steps.splice(0).reverse()) await step();
  });
  return { push: (step) => void steps.push(step) };
}
