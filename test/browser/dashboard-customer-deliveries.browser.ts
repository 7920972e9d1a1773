// A customer's deliveries in the dashboard, in headless Chromium against the compiled binary (issue 12
// item 7): the receiver on 127.0.0.1 answers 500, and the new attempts appear on the event page without a
// reload (live updates); the log filtered by endpoint and status; Retry once the receiver is back; Replay;
// Next page; Recover since a time. The server retries at 0, 2, 4 and 6 s (./dashboard-support.ts). Every
// page is audited; the steps share one browser page and run in order.

import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Frame, Page } from "playwright-core";
import { api, eventually } from "../binary/binary-harness";
import { type Receiver, startReceiver } from "../support/receiver";
import { journeyEndChecks, type Rig, signIn, startRig } from "./dashboard-support";
import { markWindow, windowMarked } from "./page-probes";

const STEP_MS = 60_000;

let rig: Rig;
let receiver: Receiver;
/** What the receiver answers now. */
let receiverStatus = 200;
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
  const created = await api(rig.server, rig.keys.apiKey, "POST", "/v1/webhooks", {
    url: `${receiver.url}/hooks`,
    events: ["*"],
    description: "Browser test receiver",
  });
  expect(created.status).toBe(201);
  webhookId = (created.body as { id: string }).id;
  page = await (await rig.newContext()).newPage();
  await signIn(page, rig.server.url, rig.keys.apiKey);
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

journeyEndChecks(() => rig);

/** Fills a time input: datetime-local wants local "YYYY-MM-DDTHH:MM" (the context runs in UTC). */
async function fillTime(input: ReturnType<Page["getByLabel"]>, ms: number): Promise<void> {
  const type = await input.getAttribute("type");
  const iso = new Date(ms).toISOString();
  await input.fill(type === "datetime-local" ? iso.slice(0, 16) : `${iso.slice(0, 19)}Z`);
}
