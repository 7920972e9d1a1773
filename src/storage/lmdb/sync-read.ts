// The store contract reads asynchronously (a server database answers over the network); LMDB reads
// are synchronous memory-mapped look-ups. A read here runs at once and its result is handed out as
// a settled promise: one microtask more than the synchronous read, no `async` function around it.
// A read that throws (a malformed cursor) rejects the promise, as a server store's read would.

export function settled<T>(read: () => T): Promise<T> {
  try {
    return Promise.resolve(read());
  } catch (error) {
    return Promise.reject(error);
  }
}
