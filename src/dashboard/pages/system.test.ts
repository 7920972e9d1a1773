import { describe, expect, test } from "bun:test";
import { testConfig } from "../../../test/http/harness";
import type { StoreHealth } from "../../storage/store";
import { retryScheduleText, type SystemView, systemBody } from "./system";

const now = Date.UTC(2026, 11, 3, 17, 0, 0);
const writable: StoreHealth = { writable: true, reason: null, since: undefined, refusedWrites: 0 };

function view(over: Partial<SystemView> = {}): SystemView {
  return {
    now,
    version: "1.2.3",
    uptimeMs: 2 * 3_600_000 + 5 * 60_000,
    figures: { pendingDeliveries: 12_345, sizeBytes: 42 * 1024 * 1024, asOf: now },
    health: writable,
    inFlight: 3,
    config: testConfig({ dataDir: "/var/lib/inbox" }),
    ...over,
  };
}

describe("systemBody", () => {
  test("backlog, in flight, store, version, uptime and settings", () => {
    const page = systemBody(view()).text;
    expect(page).toContain("<h1>System</h1>");
    expect(page).toContain("<dt>Pending deliveries</dt><dd>12,345</dd>");
    expect(page).toContain("<dt>Attempts in flight</dt><dd>3 in this process (at most 16)</dd>");
    expect(page).toContain("LMDB (embedded, this process)");
    expect(page).toContain("<code>/var/lib/inbox</code>");
    expect(page).toContain("<dd>42 MiB</dd>");
    expect(page).toContain("Taking writes");
    expect(page).toContain("<dd>1.2.3</dd>");
    expect(page).toContain("<dd>2 hours 5 minutes</dd>");
    expect(page).toContain("30 days (attempts and finished events");
    expect(page).toContain("set by the configuration");
    expect(page).toContain(">Operator webhooks</a>");
  });

  test("a PostgreSQL store is named with its URL's password masked", () => {
    const config = testConfig({ databaseUrl: "postgres://inbox:hunter2@db.internal:5432/inbox" });
    const page = systemBody(
      view({ config, figures: { pendingDeliveries: 0, sizeBytes: 0, asOf: now - 4_000 } }),
    ).text;
    expect(page).toContain("PostgreSQL");
    expect(page).not.toContain("hunter2");
    expect(page).toContain("postgres://inbox:***@db.internal:5432/inbox");
    expect(page).toContain("(4 seconds ago)");
  });

  test("a full or unavailable store says so in words, with since when", () => {
    const since = now - 60_000;
    const full = systemBody(
      view({ health: { writable: false, reason: "full", since, refusedWrites: 7 } }),
    ).text;
    expect(full).toContain("<strong>Full since 2026-12-03 16:59:00 UTC</strong>");
    expect(full).toContain("too little disk space");
    expect(full).toContain("<dd>7</dd>");
    const down = systemBody(
      view({ health: { writable: false, reason: "unavailable", since, refusedWrites: 0 } }),
    ).text;
    expect(down).toContain("<strong>Unavailable since 2026-12-03 16:59:00 UTC</strong>");
  });

  test("no admin key shown, ever", () => {
    const config = testConfig();
    expect(systemBody(view({ config })).text).not.toContain(config.adminKey as string);
  });
});

test("retryScheduleText", () => {
  expect(retryScheduleText([0, 30_000, 120_000, 7_200_000])).toBe(
    "4 attempts: at once, then after 30 seconds, 2 minutes, 2 hours",
  );
  expect(retryScheduleText([0])).toBe("1 attempt: at once");
});
