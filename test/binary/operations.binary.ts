// What an operator meets starting and stopping the compiled binary: the keys of a first start that
// could not listen are not lost, configuration mistakes name their option, warnings are printed, a
// webhook to a private address is reported after a restart without private targets, and shutdown
// keeps answering 503 on the real socket while attempts drain, then refuses connections.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  api,
  eventually,
  makeSandbox,
  parseFirstStartKeys,
  runToExit,
  type Sandbox,
  startServer,
} from "./binary-harness";

const dev = { INBOX_ALLOW_PRIVATE_TARGETS: "true" };

let sandbox: Sandbox;
beforeAll(() => {
  sandbox = makeSandbox();
});
afterAll(() => {
  sandbox.remove();
});

describe("first start", () => {
  test("a start that cannot listen prints and creates no keys; the next start prints them", async () => {
    const occupier = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("taken") });
    try {
      const failed = await runToExit(sandbox, ["--port", String(occupier.port), "--host", "127.0.0.1"]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(
        `cannot listen on 127.0.0.1:${occupier.port} (--host/INBOX_HOST, --port/INBOX_PORT): the port is in use`,
      );
      expect(parseFirstStartKeys(failed.stderr)).toEqual({
        adminKey: undefined,
        apiKey: undefined,
        accountId: undefined,
      });
    } finally {
      occupier.stop(true);
    }
    const server = await startServer(sandbox);
    let keys: ReturnType<typeof parseFirstStartKeys>;
    try {
      keys = await eventually(() => {
        const k = parseFirstStartKeys(server.stderr());
        return k.adminKey && k.apiKey ? k : undefined;
      });
      expect((await api(server, keys.apiKey as string, "GET", "/v1/webhooks")).status).toBe(200);
      expect((await api(server, keys.adminKey as string, "GET", "/v1/accounts")).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.stderr()).toContain("INBOX_ADMIN_KEY");
    // Printed after the server listens, never into the JSON log.
    expect(JSON.stringify(server.logs)).not.toContain(keys.adminKey as string);
  });
});

describe("configuration mistakes name their option", () => {
  test.each([
    [["--host", "999.1.1.1"], {}, /--host: must be an IPv4 address .*got "999\.1\.1\.1"/],
    [[], { INBOX_HOST: "not a host" }, /INBOX_HOST: must be an IPv4 address/],
    [["--retention", "30"], {}, /--retention: must have a unit .*e\.g\. 30s or 30d, got "30"/],
    [["--timeout", "10"], {}, /--timeout: must have a unit .*e\.g\. 10s or 10d, got "10"/],
    [[], { INBOX_SHUTDOWN_GRACE: "10" }, /INBOX_SHUTDOWN_GRACE: must have a unit/],
  ] as [string[], Record<string, string>, RegExp][])("%j %j", async (args, env, message) => {
    const { code, stderr } = await runToExit(sandbox, ["--port", "0", ...args], env);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  test("an address that is valid but not this machine's names host and port", async () => {
    const { code, stderr } = await runToExit(sandbox, ["--port", "0", "--host", "192.0.2.1"]);
    expect(code).toBe(1);
    expect(stderr).toContain("cannot listen on 192.0.2.1:0 (--host/INBOX_HOST, --port/INBOX_PORT)");
  });
});

describe("warnings", () => {
  test("an unknown INBOX_ variable is printed and logged; allowing private targets is logged", async () => {
    const server = await startServer(sandbox, [], { INBOX_PROT: "8080", ...dev });
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).toContain(
      "inbox-webhooks: warning: ignoring unknown environment variable INBOX_PROT",
    );
    expect(server.logs).toContainEqual(
      expect.objectContaining({
        level: "warn",
        msg: "configuration warning",
        warning: "ignoring unknown environment variable INBOX_PROT",
      }),
    );
    expect(server.logs).toContainEqual(
      expect.objectContaining({ level: "warn", option: "INBOX_ALLOW_PRIVATE_TARGETS" }),
    );
  });

  test("without private targets, the start logs no such warning", async () => {
    const server = await startServer(sandbox);
    expect(await server.stop()).toBe(0);
    expect(server.logs.filter((l) => l.level === "warn")).toEqual([]);
  });
});

describe("a webhook to a private address, after a restart without private targets", () => {
  test("is logged at start and marked in the API", async () => {
    const adminKey = "ik_admin_operations_binary_test_key";
    const withKey = { INBOX_ADMIN_KEY: adminKey };
    const first = await startServer(sandbox, [], { ...withKey, ...dev });
    let webhookId: string;
    let accountKey: string;
    try {
      const account = await api(first, adminKey, "POST", "/v1/accounts", { name: "private-dev" });
      expect(account.status).toBe(201);
      accountKey = (account.body as { api_key: string }).api_key;
      const created = await api(first, accountKey, "POST", "/v1/webhooks", {
        url: "http://127.0.0.1:9/internal",
        events: ["*"],
      });
      expect(created.status).toBe(201);
      webhookId = (created.body as { id: string }).id;
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const strict = await startServer(sandbox, [], withKey);
    try {
      const line = strict.logs.find(
        (l) => l.msg === "webhook destination not allowed" && l.webhook_id === webhookId,
      );
      expect(line).toMatchObject({
        level: "warn",
        enabled: true,
        reason: expect.stringContaining("127.0.0.1"),
      });
      expect(JSON.stringify(strict.logs)).not.toContain("/internal");
      const got = await api(strict, accountKey, "GET", `/v1/webhooks/${webhookId}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({
        enabled: true,
        destination_blocked: expect.stringContaining("loopback"),
      });
    } finally {
      expect(await strict.stop()).toBe(0);
    }
  });
});

describe("shutdown", () => {
  test("answers 503 on the open socket while an attempt drains, then refuses connections", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived = 0;
    const receiver = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch() {
        arrived++;
        await held;
        return new Response("late");
      },
    });
    const adminKey = "ik_admin_operations_binary_test_key";
    const server = await startServer(sandbox, ["--shutdown-grace", "3s"], {
      INBOX_ADMIN_KEY: adminKey,
      ...dev,
    });
    try {
      const account = await api(server, adminKey, "POST", "/v1/accounts", { name: "drain" });
      const key = (account.body as { api_key: string }).api_key;
      await api(server, key, "POST", "/v1/webhooks", {
        url: `http://127.0.0.1:${receiver.port}/slow`,
        events: ["*"],
      });
      const published = await api(server, key, "POST", "/v1/events", {
        type: "message.read",
        data: {
          message_id: "msg_1234567890",
          to: "+15551234567",
          read_at: "2025-01-15T10:25:15Z",
          device_id: "dev_abcdef123456",
        },
      });
      expect(published.status).toBe(202);
      await eventually(() => (arrived > 0 ? true : undefined));

      const signalledAt = Date.now();
      server.proc.kill("SIGTERM");
      await eventually(() => (server.logs.some((l) => l.msg === "shutting down") ? true : undefined));
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: "shutting_down", in_flight: 1 });
      const refused = await fetch(`${server.url}/v1/webhooks`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: { code: "unavailable" } });

      expect(await server.proc.exited).toBe(0);
      // It waited out the grace period for the attempt, answering all along.
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(2_500);
      const after = await fetch(`${server.url}/health`).then(
        () => "answered",
        (err: { code?: string }) => err.code,
      );
      expect(after).toBe("ECONNREFUSED");
    } finally {
      release();
      receiver.stop(true);
      await server.stop();
    }
    expect(server.logs.map((l) => l.msg)).toContain("stopped");
  });
});
