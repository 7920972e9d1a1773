// Hostile input against the spawned server (src/main.ts, composed by src/app.ts, on a socket): deep
// nesting, numbers a receiver would get altered, non-decimal query integers and bodies far over the
// size limit each get their JSON 4xx, the process stays healthy, and what it accepts reaches the
// receiver with the values the publisher sent.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type RawAnswer, rawExchange } from "../support/raw-http";
import { Api, deliveredData } from "./support/api";
import { type FaultReceiver, httpReceiver } from "./support/fault-receivers";
import { ServerProcess } from "./support/server-process";
import { waitFor } from "./support/wait";

const BODY_BYTES_MAX = 256 * 1024; // the default

let server: ServerProcess;
const api = new Api(() => server.url);
let receiver: FaultReceiver;
/** Raw bodies the receiver got, by event id. */
const received = new Map<string, string>();

beforeAll(async () => {
  server = await ServerProcess.start({ env: { INBOX_ALLOW_PRIVATE_TARGETS: "true" } });
  receiver = httpReceiver(async (request, arrival) => {
    received.set(arrival.eventId, await request.text());
    return new Response("ok");
  });
  await api.registerWebhook(server.accountKey, receiver.url);
});

afterAll(async () => {
  await server?.dispose();
  receiver?.stop();
});

function publishText(path: string, text: string): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.accountKey}`, "content-type": "application/json" },
    body: text,
  });
}

const dataText = (extra: string) => `${JSON.stringify(deliveredData(1)).slice(0, -1)},${extra}}`;

test("numbers: those that survive reach the receiver with the values sent, the others are 422", async () => {
  const sent = "[1.0,1E2,0.10,9007199254740991,1e21,5e-324,123.456,-1.5e-7]";
  const res = await publishText(
    "/v1/events",
    `{"type":"message.delivered","data":${dataText(`"n":${sent}`)}}`,
  );
  expect(res.status).toBe(202);
  const id = ((await res.json()) as { id: string }).id;
  const body = await waitFor("the event at the receiver", () => received.get(id));
  expect(body).toContain('"n":[1,100,0.1,9007199254740991,1e+21,5e-324,123.456,-1.5e-7]');
  expect((JSON.parse(body) as { data: { n: number[] } }).data.n).toEqual(JSON.parse(sent));

  for (const number of ["12345678901234567890123", "1e400"]) {
    const refused = await publishText(
      "/v1/events",
      `{"type":"message.delivered","data":${dataText(`"n":${number}`)}}`,
    );
    expect(refused.status, number).toBe(422);
    const error = ((await refused.json()) as { error: { details: { field: string; reason: string }[] } })
      .error;
    expect(error.details[0]?.field, number).toBe("/data/n");
    expect(error.details[0]?.reason, number).toEndWith("send it as a string");
  }
});

test("40,000 levels of data are 422 in one piece, alone or in a batch, and the server goes on", async () => {
  // Valid data of its type, with a member 40,000 levels deep (the types allow extra members).
  const nested = `${'{"n":'.repeat(40_000)}1${"}".repeat(40_000)}`;
  const deep = `{"type":"message.delivered","data":${dataText(`"extra":${nested}`)}}`;
  expect(deep.length).toBeLessThan(BODY_BYTES_MAX);
  const single = await publishText("/v1/events", deep);
  expect(single.status).toBe(422);
  const error = ((await single.json()) as { error: { details: { field: string; reason: string }[] } }).error;
  expect(error.details).toEqual([
    {
      field: `/data/extra${"/n".repeat(31)}`,
      reason: "nests deeper than 32 levels of objects and arrays, the limit for event data",
    },
  ]);

  const good = JSON.stringify({
    type: "message.delivered",
    data: deliveredData(2),
    id: "beside-the-deep-one",
  });
  const batch = await publishText("/v1/events/batch", `{"events":[${good},${deep}]}`);
  expect(batch.status).toBe(422);
  const details = ((await batch.json()) as { error: { details: { field: string }[] } }).error.details;
  expect(details[0]?.field).toStartWith("/events/1/data/extra/n/n/n");
  // All or none: the good event of the refused batch was not stored.
  expect(
    (await api.request("GET", "/v1/events/beside-the-deep-one", { key: server.accountKey })).status,
  ).toBe(404);

  const id = await api.publish(server.accountKey, "message.delivered", deliveredData(3));
  await waitFor("an ordinary event after the deep ones", () => received.get(id));
  expect(server.running).toBe(true);
});

test("limit=1e20 and friends are 422 naming limit, not 500", async () => {
  for (const value of ["1e20", "99999999999999999999", "0x10", "%205"]) {
    const res = await api.request("GET", `/v1/events?limit=${value}`, { key: server.accountKey });
    expect(res.status, value).toBe(422);
    expect((res.json as { error: { details: { field: string }[] } }).error.details[0]?.field, value).toBe(
      "limit",
    );
  }
});

test("bodies past the limit + 64 KiB, declared or chunked, get the JSON 413", async () => {
  const head = (framing: string) =>
    `POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${server.accountKey}\r\n` +
    `Content-Type: application/json\r\n${framing}\r\n`;
  const port = Number(new URL(server.url).port);
  const length = BODY_BYTES_MAX + 64 * 1024 + 1;
  const answers: RawAnswer[] = [
    await rawExchange(port, head(`Content-Length: ${length}\r\n`), { bytes: length }),
    await rawExchange(port, head(`Content-Length: ${2 ** 30}\r\n`), { bytes: 512 * 1024 }),
    await rawExchange(port, head("Transfer-Encoding: chunked\r\n"), {
      bytes: 8 * 1024 * 1024,
      chunked: true,
    }),
  ];
  for (const answer of answers) {
    expect(answer.status).toBe(413);
    expect(answer.head.toLowerCase()).toContain("content-type: application/json");
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: "payload_too_large", message: `request body exceeds ${BODY_BYTES_MAX} bytes` },
    });
  }
  expect((await api.request("GET", "/health")).status).toBe(200);
});
