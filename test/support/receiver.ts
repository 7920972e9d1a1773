// A real HTTP receiver for delivery tests: Bun.serve on 127.0.0.1, port 0. It records every request
// (headers and exact body text) and answers as the test says: a status, a hang, a slow or endless
// body. Tests talk to it over real sockets, as the engine talks to a customer's endpoint.

import { afterAll } from "bun:test";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  body: string;
  at: number;
}

/** How to answer one request; `index` counts requests from 0. Never resolving means hanging. */
export type Responder = (req: RecordedRequest, index: number) => Response | Promise<Response>;

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  respond(responder: Responder): void;
  /** Resolves once `count` requests arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  stop(): Promise<void>;
}

/** A promise that never settles: the receiver hangs until stopped. */
export const hang = (): Promise<Response> => new Promise<Response>(() => {});

export function startReceiver(responder: Responder = () => new Response("ok")): Receiver {
  const requests: RecordedRequest[] = [];
  let current = responder;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const rec: RecordedRequest = {
        method: req.method,
        path: url.pathname + url.search,
        headers: req.headers,
        body: await req.text(),
        at: Date.now(),
      };
      const index = requests.length;
      requests.push(rec);
      for (const w of waiters.splice(0)) {
        if (requests.length >= w.count) w.resolve();
        else waiters.push(w);
      }
      return current(rec, index);
    },
  });
  const port = server.port as number;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    respond(r) {
      current = r;
    },
    waitFor(count, timeoutMs = 5_000) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`receiver got ${requests.length} requests, wanted ${count}`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(requests);
          },
        });
      });
    },
    async stop() {
      await server.stop(true);
    },
  };
}

/**
 * A starter of receivers that are all stopped after the test file's last test (call once at a test
 * file's top level).
 */
export function receiversStoppedAfterAll(): (...args: Parameters<typeof startReceiver>) => Receiver {
  const started: Receiver[] = [];
  afterAll(async () => {
    for (const r of started) await r.stop();
  });
  return (...args) => {
    const r = startReceiver(...args);
    started.push(r);
    return r;
  };
}

/** A TCP server that accepts connections and closes each one as soon as the request starts. */
export function startResettingServer(): { port: number; connections: () => number; stop(): void } {
  let connections = 0;
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open() {
        connections++;
      },
      data(socket) {
        socket.terminate();
      },
    },
  });
  return { port: listener.port, connections: () => connections, stop: () => listener.stop(true) };
}

/** A port on 127.0.0.1 with nothing listening (bound briefly, then released). */
export function closedPort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}
