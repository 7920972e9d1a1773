// A receiver for the compiled-binary tests: an HTTP server on 127.0.0.1 that answers 200 "ok" to
// every request and records each one (path, headers, body, when), so that a test registers
// `${receiver.url}/some/path` and reads what arrived there.

/** One request a RecordingReceiver got. */
export interface Arrival {
  path: string;
  headers: Headers;
  body: string;
  /** performance.now() when its body had been read. */
  atMs: number;
}

/** An HTTP receiver on 127.0.0.1 that answers 200 "ok" to everything and records each request. */
export interface RecordingReceiver {
  /** Base URL, no trailing slash: register `${url}/some/path`. */
  url: string;
  /** Every request so far, in the order their bodies were read. */
  arrivals: Arrival[];
  /** The arrivals at one path. */
  at(path: string): Arrival[];
  stop(): void;
}

export function startRecordingReceiver(): RecordingReceiver {
  const arrivals: Arrival[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const body = await req.text();
      arrivals.push({ path: new URL(req.url).pathname, headers: req.headers, body, atMs: performance.now() });
      return new Response("ok");
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    arrivals,
    at: (path) => arrivals.filter((a) => a.path === path),
    stop: () => server.stop(true),
  };
}
