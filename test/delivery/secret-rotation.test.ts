// Secret rotation across the overlap boundary, as receivers see it: a webhook rotated through the
// API is sent to a real receiver by the attempt path (sendTo) at moved clock times; the docs'
// verifySignature holding the old secret verifies until the overlap ends and the one holding the
// new secret from then on, while the standardwebhooks library verifies with either secret
// throughout the overlap, and with the new one after it.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import crypto from "node:crypto";
import { Webhook } from "standardwebhooks";
import { sendTo } from "../../src/delivery/attempt";
import type { EngineResources } from "../../src/delivery/engine-resources";
import { envelopeOf } from "../../src/delivery/envelope";
import { createTargetResolver } from "../../src/delivery/resolve-target";
import type { WebhookRecord } from "../../src/storage/records";
import { createHarness, type Harness } from "../http/harness";
import { receiversStoppedAfterAll } from "../support/receiver";

// The docs' verifySignature (Security > Signature Verification), verbatim.
function verifySignature(payload: string | Buffer, signature: string, secret: string) {
  const expectedSignature = crypto.createHmac("sha256", secret).update(payload, "utf8").digest("hex");

  const receivedSignature = signature.replace("sha256=", "");

  return crypto.timingSafeEqual(Buffer.from(expectedSignature, "hex"), Buffer.from(receivedSignature, "hex"));
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ allowPrivateTargets: true });
});
afterAll(async () => {
  await h.close();
});
const receiver = receiversStoppedAfterAll();

/** What one request looked like to receivers holding the old and the new secret. */
interface Verdict {
  docsOld: boolean;
  docsNew: boolean;
  standardOld: boolean;
  standardNew: boolean;
  signatures: number;
}

function standardVerifies(secret: string, body: string, headers: Headers): boolean {
  try {
    new Webhook(secret).verify(body, {
      "webhook-id": headers.get("webhook-id") ?? "",
      "webhook-timestamp": headers.get("webhook-timestamp") ?? "",
      "webhook-signature": headers.get("webhook-signature") ?? "",
    });
    return true;
  } catch {
    return false;
  }
}

async function sendAt(webhook: WebhookRecord, atMs: number, oldSecret: string): Promise<Verdict> {
  const r = receiver(() => new Response("ok"));
  const target = { ...webhook, url: `${r.url}/in` };
  // Only what sendTo reads of the engine's resources; the clock is moved, the socket is real.
  const res = {
    now: () => atMs,
    config: { timeoutMs: 2_000 },
    sendOptions: {
      resolver: createTargetResolver({ allowPrivate: true }),
      timeoutMs: 2_000,
      userAgent: "t",
      now: () => atMs,
    },
  } as unknown as EngineResources;
  const event = envelopeOf({
    id: `evt_${atMs}`,
    account_id: webhook.account_id,
    type: "message.delivered",
    created_at: atMs,
    data: { message_id: "msg_1" },
  });
  const outcome = await sendTo(res, target, event, "dlv_1", 1);
  expect(outcome.ok).toBe(true);
  const [got] = await r.waitFor(1);
  if (!got) throw new Error("no request");
  const inbox = got.headers.get("x-inbox-signature") ?? "";
  return {
    docsOld: verifySignature(got.body, inbox, oldSecret),
    docsNew: verifySignature(got.body, inbox, webhook.secret),
    // The library checks the timestamp against the real clock: verify with the attempt's own
    // headers, which were signed at the moved time, so only the signatures are under test here.
    standardOld: standardVerifiesAt(oldSecret, got.body, got.headers, atMs),
    standardNew: standardVerifiesAt(webhook.secret, got.body, got.headers, atMs),
    signatures: (got.headers.get("webhook-signature") ?? "").split(" ").length,
  };
}

/** standardwebhooks refuses timestamps over 5 minutes from its clock: run it at the attempt's time. */
function standardVerifiesAt(secret: string, body: string, headers: Headers, atMs: number): boolean {
  const realNow = Date.now;
  Date.now = () => atMs;
  try {
    return standardVerifies(secret, body, headers);
  } finally {
    Date.now = realNow;
  }
}

describe("secret rotation across the overlap", () => {
  test("old secret for X-Inbox-Signature until the overlap ends, either for webhook-signature", async () => {
    const created = await h.call("POST", "/v1/webhooks", {
      body: { url: "http://127.0.0.1:9/in", events: ["*"] },
    });
    expect(created.status).toBe(201);
    const oldSecret = created.json.secret as string;
    const rotated = await h.call("POST", `/v1/webhooks/${created.json.id}/secret/rotate`, {
      body: { overlap: "1h" },
    });
    expect(rotated.status).toBe(200);
    const webhook = await h.store.webhooks.getById(created.json.id);
    if (!webhook?.previous_secret) throw new Error("rotation kept no previous secret");
    expect(webhook.secret).toBe(rotated.json.secret);
    const end = webhook.previous_secret.expires_at;
    expect(end).toBe(Date.parse(rotated.json.previous_expires_at));

    const during = { docsOld: true, docsNew: false, standardOld: true, standardNew: true, signatures: 2 };
    const after = { docsOld: false, docsNew: true, standardOld: false, standardNew: true, signatures: 1 };
    expect(await sendAt(webhook, Date.now(), oldSecret)).toEqual(during);
    expect(await sendAt(webhook, end - 1_000, oldSecret)).toEqual(during);
    expect(await sendAt(webhook, end, oldSecret)).toEqual(after);
    expect(await sendAt(webhook, end + 3_600_000, oldSecret)).toEqual(after);
  });

  test('"0s" switches both signatures to the new secret at once', async () => {
    const created = await h.call("POST", "/v1/webhooks", {
      body: { url: "http://127.0.0.1:9/in", events: ["*"] },
    });
    const rotated = await h.call("POST", `/v1/webhooks/${created.json.id}/secret/rotate`, {
      body: { overlap: "0s" },
    });
    expect(rotated.status).toBe(200);
    const webhook = await h.store.webhooks.getById(created.json.id);
    if (!webhook) throw new Error("webhook missing");
    expect(await sendAt(webhook, Date.now(), created.json.secret)).toEqual({
      docsOld: false,
      docsNew: true,
      standardOld: false,
      standardNew: true,
      signatures: 1,
    });
  });
});
