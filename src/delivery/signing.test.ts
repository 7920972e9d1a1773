import { describe, expect, test } from "bun:test";
import * as nodeCrypto from "node:crypto";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { generateSecret } from "../domain/webhook-secret";
import { inboxSignature, signHeaders, standardSignature } from "./signing";

// The docs' receiver code, byte for byte (Security > Signature Verification), evaluated as written.
const DOCS_VERIFY_SOURCE = `const crypto = require('crypto');

function verifySignature(payload, signature, secret) {
  const expectedSignature = crypto
    .createHmac('sha256', secret)
    .update(payload, 'utf8')
    .digest('hex');
  
  const receivedSignature = signature.replace('sha256=', '');
  
  return crypto.timingSafeEqual(
    Buffer.from(expectedSignature, 'hex'),
    Buffer.from(receivedSignature, 'hex')
  );
}`;
const docsVerifySignature = new Function("require", `${DOCS_VERIFY_SOURCE}\nreturn verifySignature;`)(
  (name: string) => {
    if (name !== "crypto") throw new Error(`unexpected require(${name})`);
    return nodeCrypto;
  },
) as (payload: string | Buffer, signature: string, secret: string) => boolean;

const SAMPLE_BODY = JSON.stringify({
  id: "evt_1234567890",
  type: "message.delivered",
  created_at: "2025-01-15T10:25:03Z",
  data: { message_id: "msg_1234567890", to: "+15551234567", delivered_at: "2025-01-15T10:25:03Z" },
});

describe("inboxSignature", () => {
  test("is what the docs' verifySignature accepts, for strings and raw bytes", () => {
    const secret = generateSecret();
    const signature = inboxSignature(secret, SAMPLE_BODY);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    // Express's raw body parser hands the receiver a Buffer; a string works too.
    expect(docsVerifySignature(Buffer.from(SAMPLE_BODY), signature, secret)).toBe(true);
    expect(docsVerifySignature(SAMPLE_BODY, signature, secret)).toBe(true);
    expect(inboxSignature(secret, new TextEncoder().encode(SAMPLE_BODY))).toBe(signature);
  });

  test("a fixed vector: keyed by the whole secret string, over the exact body bytes", () => {
    // Computed independently: HMAC-SHA256(key="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", msg='{"test": 2432232314}')
    const expected = nodeCrypto
      .createHmac("sha256", Buffer.from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "utf8"))
      .update(Buffer.from('{"test": 2432232314}', "utf8"))
      .digest("hex");
    expect(inboxSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", '{"test": 2432232314}')).toBe(
      `sha256=${expected}`,
    );
  });

  test("non-ASCII bodies are signed as UTF-8 bytes", () => {
    const secret = generateSecret();
    const body = JSON.stringify({ text: "héllo ✓ 👋" });
    expect(docsVerifySignature(Buffer.from(body, "utf8"), inboxSignature(secret, body), secret)).toBe(true);
  });

  test("any change to body or secret breaks it", () => {
    const secret = generateSecret();
    const signature = inboxSignature(secret, SAMPLE_BODY);
    expect(docsVerifySignature(`${SAMPLE_BODY} `, signature, secret)).toBe(false);
    expect(docsVerifySignature(SAMPLE_BODY.replace("msg_", "msh_"), signature, secret)).toBe(false);
    expect(docsVerifySignature(SAMPLE_BODY, signature, generateSecret())).toBe(false);
  });

  test("the docs' code verifies it for any body and secret, and only with that secret", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ minLength: 1 }), (body, secret) => {
        const signature = inboxSignature(secret, body);
        expect(docsVerifySignature(Buffer.from(body, "utf8"), signature, secret)).toBe(true);
        expect(docsVerifySignature(Buffer.from(body, "utf8"), signature, `${secret}x`)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe("standardSignature", () => {
  test("matches the published Standard Webhooks vector", () => {
    expect(
      standardSignature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  test("agrees with the standardwebhooks library's own signer, strings and bytes alike", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (body, ts, id) => {
          const secret = generateSecret();
          const expected = new Webhook(secret).sign(id, new Date(ts * 1000), body);
          expect(standardSignature(secret, id, ts, body)).toBe(expected);
          expect(standardSignature(secret, id, ts, new TextEncoder().encode(body))).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("rejects fractional timestamps and secrets without a key", () => {
    expect(() => standardSignature(generateSecret(), "evt_1", 1.5, "{}")).toThrow(RangeError);
    expect(() => standardSignature("whsec_", "evt_1", 1, "{}")).toThrow(/empty key/);
  });
});

describe("signHeaders", () => {
  test("verifies with both the docs' code and the standardwebhooks library", () => {
    const secret = generateSecret();
    const timestampSeconds = Math.floor(Date.now() / 1000);
    const headers = signHeaders({ secret, body: SAMPLE_BODY, eventId: "evt_1234567890", timestampSeconds });
    expect(Object.keys(headers).sort()).toEqual([
      "X-Inbox-Signature",
      "X-Inbox-Timestamp",
      "webhook-id",
      "webhook-signature",
      "webhook-timestamp",
    ]);
    expect(headers["webhook-id"]).toBe("evt_1234567890");
    expect(headers["webhook-timestamp"]).toBe(String(timestampSeconds));
    expect(headers["X-Inbox-Timestamp"]).toBe(String(timestampSeconds));
    // The docs' signature is unchanged by the timestamp: the same body signs the same at any time.
    expect(signHeaders({ secret, body: SAMPLE_BODY, eventId: "evt_2", timestampSeconds: 1 })).toMatchObject({
      "X-Inbox-Signature": headers["X-Inbox-Signature"],
      "X-Inbox-Timestamp": "1",
    });
    expect(docsVerifySignature(Buffer.from(SAMPLE_BODY), headers["X-Inbox-Signature"], secret)).toBe(true);
    expect(new Webhook(secret).verify(SAMPLE_BODY, { ...headers })).toEqual(JSON.parse(SAMPLE_BODY));
    expect(new Webhook(secret).verify(Buffer.from(SAMPLE_BODY), { ...headers })).toEqual(
      JSON.parse(SAMPLE_BODY),
    );
  });

  test("the standardwebhooks library refuses a tampered body, id, timestamp or another secret", () => {
    const secret = generateSecret();
    const timestampSeconds = Math.floor(Date.now() / 1000);
    const headers = signHeaders({ secret, body: SAMPLE_BODY, eventId: "evt_1", timestampSeconds });
    const wh = new Webhook(secret);
    expect(() => wh.verify(`${SAMPLE_BODY} `, { ...headers })).toThrow();
    expect(() => wh.verify(SAMPLE_BODY, { ...headers, "webhook-id": "evt_2" })).toThrow();
    expect(() =>
      wh.verify(SAMPLE_BODY, { ...headers, "webhook-timestamp": String(timestampSeconds + 1) }),
    ).toThrow();
    expect(() => new Webhook(generateSecret()).verify(SAMPLE_BODY, { ...headers })).toThrow();
    // A timestamp outside the library's five-minute tolerance is a replay.
    const old = signHeaders({
      secret,
      body: SAMPLE_BODY,
      eventId: "evt_1",
      timestampSeconds: timestampSeconds - 3600,
    });
    expect(() => wh.verify(SAMPLE_BODY, { ...old })).toThrow(/too old/);
  });
});

describe("signHeaders during a rotation's overlap", () => {
  test("X-Inbox-Signature uses the previous secret; webhook-signature carries `v1,<new> v1,<old>`", () => {
    const [secret, previousSecret] = [generateSecret(), generateSecret()];
    const timestampSeconds = Math.floor(Date.now() / 1000);
    const signed = signHeaders({
      secret,
      previousSecret,
      body: SAMPLE_BODY,
      eventId: "evt_1",
      timestampSeconds,
    });
    expect(signed["X-Inbox-Signature"]).toBe(inboxSignature(previousSecret, SAMPLE_BODY));
    expect(signed["webhook-signature"]).toBe(
      `${standardSignature(secret, "evt_1", timestampSeconds, SAMPLE_BODY)} ${standardSignature(previousSecret, "evt_1", timestampSeconds, SAMPLE_BODY)}`,
    );
    expect(docsVerifySignature(SAMPLE_BODY, signed["X-Inbox-Signature"], previousSecret)).toBe(true);
    expect(docsVerifySignature(SAMPLE_BODY, signed["X-Inbox-Signature"], secret)).toBe(false);
    for (const holder of [secret, previousSecret]) {
      expect(new Webhook(holder).verify(SAMPLE_BODY, { ...signed })).toEqual(JSON.parse(SAMPLE_BODY));
    }
    expect(() => new Webhook(generateSecret()).verify(SAMPLE_BODY, { ...signed })).toThrow();
  });

  test("without a previous secret both headers use the current one alone", () => {
    const secret = generateSecret();
    const args = { secret, body: SAMPLE_BODY, eventId: "evt_1", timestampSeconds: 1_736_936_703 };
    expect(signHeaders({ ...args, previousSecret: undefined })).toEqual(signHeaders(args));
    expect(signHeaders(args)["webhook-signature"]).not.toContain(" ");
  });
});

describe("signatures match node:crypto's HMAC byte for byte", () => {
  const refInbox = (secret: string, body: string | Uint8Array) =>
    `sha256=${nodeCrypto.createHmac("sha256", secret).update(body).digest("hex")}`;
  const refStandard = (secret: string, id: string, ts: number, body: string | Uint8Array) =>
    `v1,${nodeCrypto
      .createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64"))
      .update(`${id}.${ts}.`)
      .update(body)
      .digest("base64")}`;

  test("for any secret string (long, non-ASCII, lone surrogates) and any body", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", minLength: 1, maxLength: 200 }),
        fc.string({ unit: "binary" }),
        (secret, body) => {
          expect(inboxSignature(secret, body)).toBe(refInbox(secret, body));
          const bytes = new TextEncoder().encode(body);
          expect(inboxSignature(secret, bytes)).toBe(refInbox(secret, bytes));
        },
      ),
      { numRuns: 300 },
    );
  });

  test("for Standard Webhooks keys of any length, shorter and longer than a SHA-256 block", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.string({ unit: "binary" }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        (key, body, ts) => {
          const secret = `whsec_${Buffer.from(key).toString("base64")}`;
          expect(standardSignature(secret, "evt_1", ts, body)).toBe(refStandard(secret, "evt_1", ts, body));
        },
      ),
      { numRuns: 300 },
    );
  });

  test("decoding each secret's key once never mixes up secrets, past the cache's bound too", () => {
    const secrets = Array.from({ length: 2_100 }, generateSecret);
    const first = secrets.map((s) => standardSignature(s, "evt_1", 1614265330, SAMPLE_BODY));
    // Again, in reverse, after the earliest keys were evicted; and interleaved with the latest ones.
    for (let i = secrets.length - 1; i >= 0; i--) {
      const secret = secrets[i] as string;
      expect(standardSignature(secret, "evt_1", 1614265330, SAMPLE_BODY)).toBe(first[i] as string);
      expect(standardSignature(secret, "evt_1", 1614265330, SAMPLE_BODY)).toBe(
        refStandard(secret, "evt_1", 1614265330, SAMPLE_BODY),
      );
    }
    expect(new Set(first).size).toBe(secrets.length);
  });
});
