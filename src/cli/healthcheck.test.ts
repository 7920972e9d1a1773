import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { probeHost, runHealthcheck } from "./healthcheck";

const servers: { stop(force?: boolean): unknown }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop(true);
});

function serve(fetch: (req: Request) => Response | Promise<Response>): number {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
  servers.push(server);
  return server.port as number;
}

/** A port nothing listens on: bound by us, then released. */
function closedPort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

describe("runHealthcheck", () => {
  test("0 when /health answers 200", async () => {
    const seen: string[] = [];
    const port = serve((req) => {
      seen.push(new URL(req.url).pathname);
      return Response.json({ status: "ok" });
    });
    expect(await runHealthcheck(port, "127.0.0.1")).toBe(0);
    expect(seen).toEqual(["/health"]);
  });

  test("1 when /health answers anything but 200", async () => {
    const stderr = spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const unavailable = serve(() => new Response("shutting down", { status: 503 }));
      expect(await runHealthcheck(unavailable, "127.0.0.1")).toBe(1);
      const redirect = serve(() => new Response(null, { status: 302, headers: { location: "/elsewhere" } }));
      expect(await runHealthcheck(redirect, "127.0.0.1")).toBe(1);
      expect(String(stderr.mock.calls[0]?.[0])).toContain("answered 503");
    } finally {
      stderr.mockRestore();
    }
  });

  test("1 when nothing listens", async () => {
    const stderr = spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await runHealthcheck(closedPort(), "127.0.0.1")).toBe(1);
      expect(String(stderr.mock.calls[0]?.[0])).toContain("failed");
    } finally {
      stderr.mockRestore();
    }
  });

  test("1 when the server does not answer within the timeout", async () => {
    const stderr = spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const port = serve(() => new Promise<Response>(() => {}));
      expect(await runHealthcheck(port, "127.0.0.1", 200)).toBe(1);
      expect(String(stderr.mock.calls[0]?.[0])).toContain("no answer within 200 ms");
    } finally {
      stderr.mockRestore();
    }
  });

  test("1 when the body stalls after the headers", async () => {
    const stderr = spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const port = serve(
        () =>
          new Response(
            new ReadableStream({
              start(controller) {
                controller.enqueue(new TextEncoder().encode("{"));
              },
            }),
            { status: 200 },
          ),
      );
      expect(await runHealthcheck(port, "127.0.0.1", 300)).toBe(1);
    } finally {
      stderr.mockRestore();
    }
  });

  test("a wildcard listen address is probed on loopback", async () => {
    const port = serve(() => new Response("ok"));
    expect(await runHealthcheck(port, "0.0.0.0")).toBe(0);
  });
});

describe("probeHost", () => {
  test("maps wildcard addresses to loopback and brackets IPv6 literals", () => {
    expect(probeHost("0.0.0.0")).toBe("127.0.0.1");
    expect(probeHost("")).toBe("127.0.0.1");
    expect(probeHost("::")).toBe("[::1]");
    expect(probeHost("::1")).toBe("[::1]");
    expect(probeHost("[::1]")).toBe("[::1]");
    expect(probeHost("localhost")).toBe("localhost");
    expect(probeHost("10.1.2.3")).toBe("10.1.2.3");
  });
});
