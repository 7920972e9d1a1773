import { afterAll, expect, test } from "bun:test";
import { publish } from "./publisher";

/** Two stand-in replicas that accept every publish and count what each received. */
const received = [0, 0];
const replicas = received.map((_, i) =>
  Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => {
      const body = (await req.json()) as { events?: unknown[] };
      received[i] = (received[i] ?? 0) + (body.events?.length ?? 1);
      return Response.json({ ok: true }, { status: 202 });
    },
  }),
);
afterAll(() => {
  for (const r of replicas) r.stop(true);
});

test("publish requests go to the replicas in turn, whatever the batch", async () => {
  const baseUrls = replicas.map((r) => `http://127.0.0.1:${r.port}`);
  const single = await publish({ baseUrls, apiKey: "k", events: 10, batch: 1, concurrency: 4, rate: null });
  expect(single.accepted).toBe(10);
  expect(received).toEqual([5, 5]);
  received.fill(0);
  // 40 events in batches of 10: requests 0 and 2 to the first replica, 1 and 3 to the second.
  const batched = await publish({ baseUrls, apiKey: "k", events: 40, batch: 10, concurrency: 2, rate: null });
  expect(batched.accepted).toBe(40);
  expect(received).toEqual([20, 20]);
});
