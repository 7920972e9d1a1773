// A customer's journey through the dashboard, in headless Chromium against the compiled binary (issue 12
// item 7): sign in with the default account's key using only the keyboard, create an endpoint pointing at
// a receiver on 127.0.0.1, send a test event and see it arrive, make the receiver fail and watch the new
// attempts appear on the event page without a reload, retry, recover, rotate the secret (the receiver
// verifies the new signature with the Standard Webhooks library), sign out (the old cookie stops
// working). Every page is audited (./dashboard-support.ts): CSP, no other host, axe-core, 390 px,
// screenshots. The steps share one browser page and run in order; each names what it proves.

import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BrowserContext, Frame, Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { api, eventually } from "../binary/binary-harness";
import { type Receiver, startReceiver } from "../support/receiver";
import { type Rig, sessionCookie, signInWithKeyboard, startRig } from "./dashboard-support";
import { markWindow, windowMarked } from "./page-probes";

const STEP_MS = 60_000;

let rig: Rig;
let receiver: Receiver;
/** What the receiver answers now. */
let receiverStatus = 200;
let context: BrowserContext;
let page: Page;
let webhookId = "";
/** The two events published while the receiver failed. */
let failing: string[] = [];
let failingSince = 0;

beforeAll(async () => {
  receiver = startReceiver(
    () => new Response(receiverStatus === 200 ? "OK" : "Down", { status: receiverStatus }),
  );
  rig = await startRig();
  context = await rig.newContext();
  page = await context.newPage();
}, 60_000);

afterAll(async () => {
  await rig?.close();
  await receiver?.stop();
});

const url = (path: string) => `${rig.server.url}${path}`;
const key = () => rig.keys.apiKey;

/** Rows of the attempts tables (those with a "Status code" column), header rows excluded. */
async function attemptRows(p: Page): Promise<number> {
  const tables = p.getByRole("table").filter({ has: p.getByRole("columnheader", { name: "Status code" }) });
  return tables
    .getByRole("row")
    .filter({ has: p.getByRole("cell") })
    .count();
}

async function publish(): Promise<string> {
  const published = await api(rig.server, key(), "POST", "/v1/events", {
    type: "message.delivered",
    data: {
      message_id: `msg_${crypto.randomUUID()}`,
      to: "+15551234567",
      delivered_at: "2025-01-15T10:25:03Z",
      device_id: "dev_browser",
    },
  });
  expect(published.status).toBe(202);
  return (published.body as { id: string }).id;
}

/** The status of the event's one delivery, through the API. */
async function deliveryOf(eventId: string): Promise<{ id: string; status: string }> {
  const got = await api(rig.server, key(), "GET", `/v1/events/${eventId}`);
  const deliveries = (got.body as { deliveries: Array<{ id: string; status: string }> }).deliveries;
  expect(deliveries.length).toBe(1);
  return deliveries[0] as { id: string; status: string };
}

const statusBecomes = (eventId: string, status: string, timeoutMs = 20_000) =>
  eventually(async () => ((await deliveryOf(eventId)).status === status ? true : undefined), timeoutMs);

test(
  "GET / opens the sign-in page, and the key signs in with the keyboard alone",
  async () => {
    await page.goto(url("/"));
    expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in");
    await rig.audit(page, "sign-in");
    // A wrong key is refused in words, on the same page, without saying what was wrong with it.
    await page.getByLabel("API key").fill(`ik_${"x".repeat(43)}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in");
    expect(await sessionCookie(context)).toBeUndefined();
    await rig.audit(page, "sign-in-refused");
    await signInWithKeyboard(page, rig.server.url, key());
    expect(new URL(page.url()).pathname).toBe("/dashboard/endpoints");
    await expect(page.getByRole("heading", { level: 1, name: "Endpoints" }).isVisible()).resolves.toBe(true);
    for (const link of ["Endpoints", "Deliveries", "Event types", "API docs"]) {
      expect(await page.getByRole("link", { name: link, exact: true }).count()).toBeGreaterThan(0);
    }
    // A customer has no operator pages.
    expect(await page.getByRole("link", { name: "Accounts", exact: true }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "System", exact: true }).count()).toBe(0);
  },
  STEP_MS,
);

test(
  "creates an endpoint pointing at the local receiver",
  async () => {
    await page.getByRole("link", { name: "New endpoint" }).click();
    await page.getByLabel("URL", { exact: true }).waitFor();
    await rig.audit(page, "endpoint-new");
    await page.getByLabel("URL", { exact: true }).fill(`${receiver.url}/hooks`);
    await page.getByLabel("Description").fill("Browser test receiver");
    await page.getByLabel("All event types").check();
    await page.getByRole("button", { name: "Create endpoint" }).click();
    // The answer is the new endpoint's page, showing its signing secret this once.
    await page.getByRole("heading", { level: 1, name: "Endpoint" }).waitFor();
    const listed = await api(rig.server, key(), "GET", "/v1/webhooks");
    const mine = (listed.body as { data: Array<{ id: string; url: string }> }).data.find(
      (w) => w.url === `${receiver.url}/hooks`,
    );
    webhookId = mine?.id ?? "";
    expect(webhookId).toStartWith("wh_");
    expect(await page.getByText(`${receiver.url}/hooks`).count()).toBeGreaterThan(0);
    const secret = (await api(rig.server, key(), "GET", `/v1/webhooks/${webhookId}/secret`)).body as {
      secret: string;
    };
    expect(await page.getByText(secret.secret).count()).toBeGreaterThan(0);
    const stored = await api(rig.server, key(), "GET", `/v1/webhooks/${webhookId}`);
    expect(stored.body).toMatchObject({ url: `${receiver.url}/hooks`, description: "Browser test receiver" });
  },
  STEP_MS,
);

test(
  "Edit changes the endpoint's description; the list shows the endpoint",
  async () => {
    await page
      .getByRole("link", { name: "Edit" })
      .or(page.getByRole("button", { name: "Edit" }))
      .first()
      .click();
    await page.getByRole("button", { name: "Save changes" }).waitFor();
    await rig.audit(page, "endpoint-edit");
    await page.getByLabel("Description").fill("Browser test receiver, edited");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL((u) => u.pathname === `/dashboard/endpoints/${webhookId}`);
    expect(await page.getByText("Browser test receiver, edited").count()).toBeGreaterThan(0);
    const stored = await api(rig.server, key(), "GET", `/v1/webhooks/${webhookId}`);
    expect(stored.body).toMatchObject({ description: "Browser test receiver, edited" });
    await page.getByRole("link", { name: "Endpoints", exact: true }).first().click();
    await page.getByRole("heading", { level: 1, name: "Endpoints" }).waitFor();
    expect(await page.locator(`a[href$="/dashboard/endpoints/${webhookId}"]`).count()).toBeGreaterThan(0);
    await page.locator(`a[href$="/dashboard/endpoints/${webhookId}"]`).first().click();
    await page.getByRole("heading", { level: 1, name: "Endpoint" }).waitFor();
  },
  STEP_MS,
);

test(
  "sends a test event: the receiver gets it and the page shows the attempt's outcome",
  async () => {
    const before = receiver.requests.length;
    await page.getByLabel("Event type").selectOption("message.read");
    await page.getByRole("button", { name: "Send test event" }).click();
    const [got] = (await receiver.waitFor(before + 1, 10_000)).slice(before);
    expect(got?.headers.get("x-inbox-test")).toBe("true");
    expect(JSON.parse(got?.body ?? "{}").type).toBe("message.read");
    const notice = page.getByRole("status");
    await notice.first().waitFor();
    expect(await notice.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining("200")]));
    await rig.audit(page, "endpoint-test-sent");
  },
  STEP_MS,
);

test(
  "a failing receiver: new attempts appear on the event page without a reload",
  async () => {
    receiverStatus = 500;
    failingSince = Date.now();
    failing = [await publish(), await publish()];
    const eventId = failing[0] as string;
    await page.goto(url(`/dashboard/events/${eventId}`));
    await expect(page.getByRole("heading", { level: 1, name: "Event" }).isVisible()).resolves.toBe(true);
    expect(await page.locator("pre").first().textContent()).toContain("dev_browser");
    let navigations = 0;
    const onNavigation = (frame: Frame) => {
      if (frame === page.mainFrame()) navigations++;
    };
    page.on("framenavigated", onNavigation);
    await page.evaluate(markWindow);
    const shown = await attemptRows(page);
    await eventually(async () => ((await attemptRows(page)) > shown ? true : undefined), 15_000);
    page.off("framenavigated", onNavigation);
    expect(navigations).toBe(0);
    expect(await page.evaluate(windowMarked)).toBe(true);
    expect(await page.getByRole("cell", { name: "500", exact: true }).count()).toBeGreaterThan(0);
    await rig.audit(page, "event");
    for (const id of failing) await statusBecomes(id, "failed");
  },
  STEP_MS,
);

test(
  "the deliveries log, filtered by endpoint and status, lists both failed deliveries",
  async () => {
    await page.getByRole("link", { name: "Deliveries", exact: true }).first().click();
    await page.getByRole("heading", { level: 1, name: "Deliveries" }).waitFor();
    await rig.audit(page, "deliveries");
    await page.getByLabel("Endpoint", { exact: true }).selectOption(webhookId);
    await page.getByLabel("Status", { exact: true }).selectOption("failed");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL((u) => u.searchParams.get("status") === "failed");
    expect(new URL(page.url()).searchParams.get("webhook_id")).toBe(webhookId);
    for (const id of failing) {
      expect(await page.locator(`a[href$="/dashboard/events/${id}"]`).count()).toBeGreaterThan(0);
    }
    await rig.audit(page, "deliveries-filtered");
  },
  STEP_MS,
);

test(
  "Retry sends a failed delivery again, and it succeeds once the receiver is back",
  async () => {
    receiverStatus = 200;
    const [eventId] = failing as [string];
    const delivery = await deliveryOf(eventId);
    await page.locator(`a[href$="/dashboard/events/${eventId}"]`).first().click();
    await page.getByRole("heading", { level: 1, name: "Event" }).waitFor();
    await page.getByRole("button", { name: "Retry" }).first().click();
    await statusBecomes(eventId, "succeeded");
    const last = receiver.requests.at(-1);
    expect(last?.headers.get("x-inbox-delivery-id")).toBe(delivery.id);
    // The succeeding attempt shows up on the event page (live, or with the page the retry answered).
    await eventually(
      async () =>
        (await page.getByRole("cell", { name: "200", exact: true }).count()) > 0 ? true : undefined,
      15_000,
    );
  },
  STEP_MS,
);

test(
  "Replay sends the event again as a new delivery",
  async () => {
    const eventId = failing[0] as string;
    const sent = receiver.requests.length;
    await page.getByRole("button", { name: "Replay" }).click();
    await page.getByRole("status").first().waitFor();
    expect(await page.getByRole("status").first().textContent()).toContain("1 new delivery");
    const [got] = (await receiver.waitFor(sent + 1, 10_000)).slice(sent);
    expect(JSON.parse(got?.body ?? "{}").id).toBe(eventId);
    const event = await api(rig.server, key(), "GET", `/v1/events/${eventId}`);
    expect((event.body as { deliveries: unknown[] }).deliveries.length).toBe(2);
  },
  STEP_MS,
);

test(
  "the deliveries log pages with Next page",
  async () => {
    const events = Array.from({ length: 55 }, (_, i) => ({
      type: "message.read",
      data: {
        message_id: `msg_page_${i}`,
        to: "+15551234567",
        read_at: "2025-01-15T10:25:15Z",
        device_id: "dev_browser",
      },
    }));
    expect((await api(rig.server, key(), "POST", "/v1/events/batch", { events })).status).toBe(202);
    await page.goto(url("/dashboard/deliveries"));
    const firstPage = await page
      .locator('a[href*="/dashboard/events/"]')
      .evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href));
    await page.getByRole("link", { name: "Next page" }).click();
    await page.waitForURL((u) => u.searchParams.has("cursor"));
    await page.getByRole("heading", { level: 1, name: "Deliveries" }).waitFor();
    const secondPage = await page
      .locator('a[href*="/dashboard/events/"]')
      .evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href));
    expect(secondPage.length).toBeGreaterThan(0);
    expect(secondPage.filter((href) => firstPage.includes(href))).toEqual([]);
    await rig.audit(page, "deliveries-page-2");
  },
  STEP_MS,
);

test(
  "Recover sends the endpoint's failed deliveries since a time again",
  async () => {
    const eventId = failing[1] as string;
    expect((await deliveryOf(eventId)).status).toBe("failed");
    await page.goto(url(`/dashboard/endpoints/${webhookId}`));
    await fillTime(page.getByLabel("Since", { exact: true }), failingSince - 60_000);
    await page.getByRole("button", { name: "Recover" }).click();
    await page.getByRole("status").first().waitFor();
    // The one left failed (the other was retried): only it is sent again.
    expect(await page.getByRole("status").first().textContent()).toContain("1 failed or cancelled delivery");
    await statusBecomes(eventId, "succeeded");
    // The list and the endpoint's page now have a day with failures and successes to show.
    await page.getByRole("link", { name: "Endpoints", exact: true }).first().click();
    await page.getByRole("heading", { level: 1, name: "Endpoints" }).waitFor();
    await rig.audit(page, "endpoints");
    await page.goto(url(`/dashboard/endpoints/${webhookId}`));
    await rig.audit(page, "endpoint");
  },
  STEP_MS,
);

test(
  "Rotate secret: the page reveals the new secret and the receiver verifies deliveries signed with it",
  async () => {
    await page.goto(url(`/dashboard/endpoints/${webhookId}`));
    const before = (await api(rig.server, key(), "GET", `/v1/webhooks/${webhookId}/secret`)).body as {
      secret: string;
    };
    // The form asks first (window.confirm from dashboard.js): accept, and note that it asked.
    const asked: string[] = [];
    page.once("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await page.getByRole("status").first().waitFor();
    expect(asked.length).toBe(1);
    const after = (await api(rig.server, key(), "GET", `/v1/webhooks/${webhookId}/secret`)).body as {
      secret: string;
      previous_secret: string | null;
    };
    expect(after.secret).not.toBe(before.secret);
    expect(after.previous_secret).toBe(before.secret);
    await page.getByRole("button", { name: "Reveal secret" }).click();
    await eventually(
      async () => ((await page.getByText(after.secret).count()) > 0 ? true : undefined),
      10_000,
    );

    const sent = receiver.requests.length;
    await page.getByLabel("Event type").selectOption("message.delivered");
    await page.getByRole("button", { name: "Send test event" }).click();
    // The test send, not a delivery of the batch published before that may still be arriving.
    const got = await eventually(
      () => receiver.requests.slice(sent).find((r) => r.headers.get("x-inbox-test") === "true"),
      10_000,
    );
    const headers = Object.fromEntries(got.headers.entries());
    expect(new Webhook(after.secret).verify(got.body, headers)).toMatchObject({ type: "message.delivered" });
  },
  STEP_MS,
);

test(
  "the event catalog lists the types, each with its schema and example",
  async () => {
    await page.getByRole("link", { name: "Event types", exact: true }).first().click();
    await page.getByRole("heading", { level: 1, name: "Event types" }).waitFor();
    await rig.audit(page, "event-types");
    await page.locator('a[href$="/dashboard/event-types/message.delivered"]').first().click();
    await page.waitForURL(/\/dashboard\/event-types\/message\.delivered$/);
    expect(await page.locator("pre").count()).toBeGreaterThan(0);
    expect(await page.content()).toContain("device_id");
    await rig.audit(page, "event-type");
  },
  STEP_MS,
);

test(
  "Delete asks for confirmation, then removes the endpoint",
  async () => {
    const created = await api(rig.server, key(), "POST", "/v1/webhooks", {
      url: `${receiver.url}/to-delete`,
      events: ["message.read"],
      description: "to be deleted",
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    await page.goto(url(`/dashboard/endpoints/${id}`));
    await page
      .getByRole("link", { name: "Delete" })
      .or(page.getByRole("button", { name: "Delete" }))
      .first()
      .click();
    await page.getByRole("button", { name: "Delete endpoint" }).waitFor();
    await rig.audit(page, "endpoint-delete");
    // Nothing is deleted before the confirmation.
    expect((await api(rig.server, key(), "GET", `/v1/webhooks/${id}`)).status).toBe(200);
    await page.getByRole("button", { name: "Delete endpoint" }).click();
    await page.waitForURL(/\/dashboard\/endpoints$/);
    expect((await api(rig.server, key(), "GET", `/v1/webhooks/${id}`)).status).toBe(404);
    expect(await page.locator(`a[href$="/dashboard/endpoints/${id}"]`).count()).toBe(0);
  },
  STEP_MS,
);

test(
  "Sign out ends the session: the old cookie no longer opens the dashboard",
  async () => {
    const cookie = await sessionCookie(context);
    expect(cookie).toBeDefined();
    const withOldCookie = () =>
      fetch(url("/dashboard/endpoints"), {
        headers: { cookie: `inbox_session=${cookie}` },
        redirect: "manual",
      });
    expect((await withOldCookie()).status).toBe(200);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/dashboard\/sign-in/);
    expect(await sessionCookie(context)).toBeUndefined();
    const refused = await withOldCookie();
    expect(refused.status).not.toBe(200);
    expect(refused.status === 401 || refused.headers.get("location")?.includes("/dashboard/sign-in")).toBe(
      true,
    );
  },
  STEP_MS,
);

test("no request left 127.0.0.1, every dashboard page carried the CSP, no page error", () => {
  expect(rig.problems).toEqual([]);
});

test("every page audited has no serious axe-core violation and fits 390 px", () => {
  expect(rig.findings).toEqual([]);
});

/** Fills a time input: datetime-local wants local "YYYY-MM-DDTHH:MM" (the context runs in UTC). */
async function fillTime(input: ReturnType<Page["getByLabel"]>, ms: number): Promise<void> {
  const type = await input.getAttribute("type");
  const iso = new Date(ms).toISOString();
  await input.fill(type === "datetime-local" ? iso.slice(0, 16) : `${iso.slice(0, 19)}Z`);
}
