// The fan-out limits as an operator sets them: environment variables and flags of the compiled
// binary reach the API, a contradictory pair stops the start, and over-limit requests answer 422.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { api, makeSandbox, runToExit, type Sandbox, startServer } from "./binary-harness";

const ADMIN_KEY = "ik_admin_limits_binary_0123456789";

let sandbox: Sandbox;
beforeAll(() => {
  sandbox = makeSandbox();
});
afterAll(() => sandbox.remove());

/** The error member of an API answer's body. */
const errorOf = (answer: { body: unknown }) => (answer.body as { error?: unknown }).error;

describe("fan-out limits", () => {
  test("a deliveries limit below the webhooks limit stops the start, naming both", async () => {
    const { code, stderr } = await runToExit(sandbox, [
      "--max-webhooks-per-account=500",
      "--max-deliveries-per-publish",
      "100",
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      "--max-deliveries-per-publish: must be at least --max-webhooks-per-account (500), got 100",
    );
  });

  test("set by environment, both limits answer 422 limit_exceeded naming their setting", async () => {
    const server = await startServer(sandbox, [], {
      INBOX_ADMIN_KEY: ADMIN_KEY,
      INBOX_DATA_DIR: "limits-data",
      INBOX_MAX_WEBHOOKS_PER_ACCOUNT: "2",
      INBOX_MAX_DELIVERIES_PER_PUBLISH: "3",
    });
    try {
      const account = await api(server, ADMIN_KEY, "POST", "/v1/accounts", { name: "limited" });
      expect(account.status).toBe(201);
      const key = (account.body as { api_key: string }).api_key;
      const hook = { url: "https://hooks.example.com/inbox", events: ["*"] };
      expect((await api(server, key, "POST", "/v1/webhooks", hook)).status).toBe(201);
      expect((await api(server, key, "POST", "/v1/webhooks", hook)).status).toBe(201);
      const third = await api(server, key, "POST", "/v1/webhooks", hook);
      expect(third.status).toBe(422);
      expect(errorOf(third)).toMatchObject({
        code: "limit_exceeded",
        details: { limit: "max_webhooks_per_account", max: 2, env: "INBOX_MAX_WEBHOOKS_PER_ACCOUNT" },
      });

      const event = {
        type: "message.read",
        data: {
          message_id: "msg_1",
          to: "+15551234567",
          read_at: "2025-01-15T10:25:15Z",
          device_id: "dev_1",
        },
      };
      const batch = await api(server, key, "POST", "/v1/events/batch", { events: [event, event] });
      expect(batch.status).toBe(422);
      expect(errorOf(batch)).toMatchObject({
        code: "limit_exceeded",
        details: {
          limit: "max_deliveries_per_publish",
          max: 3,
          requested: 4,
          flag: "--max-deliveries-per-publish",
        },
      });
      expect((await api(server, key, "POST", "/v1/events", event)).status).toBe(202);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
