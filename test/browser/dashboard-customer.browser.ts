// A customer's journey through the dashboard's endpoint pages, in headless Chromium against the compiled
// binary (issue 12 item 7): GET / opens the sign-in page; a wrong key is refused; the default account's
// key signs in using only the keyboard; create an endpoint pointing at a receiver on 127.0.0.1 (its
// secret shown once), edit it, send a test event and see it arrive and its outcome; rotate the secret
// (the receiver verifies the new signature with the Standard Webhooks library); the event catalog; delete
// with confirmation; sign out (the old cookie stops working). Failures, live attempts, retry, replay,
// paging and recovery are in ./dashboard-customer-deliveries.browser.ts. Every page is audited
// (./dashboard-support.ts): CSP, no other host, axe-core, 390 px, screenshots. The steps share one
// browser page and run in order; each names what it proves.

import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BrowserContext, Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { api, eventually } from "../binary/binary-harness";
import { type Receiver, startReceiver } from "../support/receiver";
import { journeyEndChecks, type Rig, sessionCookie, signInWithKeyboard, startRig } from "./dashboard-support";

const STEP_MS = 60_000;

let rig: Rig;
let receiver: Receiver;
let context: BrowserContext;
let page: Page;
let webhookId = "";

beforeAll(async () => {
  receiver = startReceiver();
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
    // The test send (x-inbox-test), whatever else the receiver gets meanwhile.
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

journeyEndChecks(() => rig);
