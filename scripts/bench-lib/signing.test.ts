import { describe, expect, test } from "bun:test";
import { inboxSignature, newSecret, standardSignature, verifyInboxSignature } from "./signing";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("bench signing", () => {
  test("X-Inbox-Signature is the hex HMAC keyed by the secret string (vector from Python hmac)", () => {
    const body = '{"id":"evt_1","type":"message.delivered"}';
    expect(inboxSignature(SECRET, body)).toBe(
      "sha256=4d6bf87d2dece902589ad4a49912eb7d9eab57025c35233ec705eff52359d0ae",
    );
  });

  test("webhook-signature matches the Standard Webhooks published vector", () => {
    expect(
      standardSignature(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'),
    ).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  test("verification accepts the right signature and rejects anything else", () => {
    const secret = newSecret();
    const body = new TextEncoder().encode('{"data":{"message_id":"msg_1"}}');
    const good = inboxSignature(secret, body);
    expect(verifyInboxSignature(secret, body, good)).toBe(true);
    expect(verifyInboxSignature(newSecret(), body, good)).toBe(false);
    expect(verifyInboxSignature(secret, new TextEncoder().encode("{}"), good)).toBe(false);
    expect(verifyInboxSignature(secret, body, good.slice(7))).toBe(false);
    expect(verifyInboxSignature(secret, body, "sha256=abcd")).toBe(false);
    expect(verifyInboxSignature(secret, body, null)).toBe(false);
  });
});
