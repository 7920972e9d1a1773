// Cached records are shared by every caller that reads them: frozen, so that no caller can change what
// the next one gets. Used by both stores' read caches.

/** Freezes `value` and everything reachable from it; answers it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
