// Temporary directories a test file makes as it goes, removed after each test.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupAfterEach } from "../../support/cleanups";

/** Call once at a test file's top level; the answer makes a fresh directory removed after the test. */
export function tempDirsAfterEach(prefix: string): () => string {
  const cleanups = cleanupAfterEach();
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
}
