// The operator's journey through the dashboard, in headless Chromium against the compiled binary (issue 12
// item 7): sign in with the admin key, see the system's state, create an account, issue it a key, create a
// portal link and open it in a fresh browser context, which sees that account's endpoints and not the
// default account's; the link does not work twice; revoking the key and deleting the account (with
// confirmation) end what they should. Every page is audited (./dashboard-support.ts).

import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BrowserContext, Page } from "playwright-core";
import { api } from "../binary/binary-harness";
import {
  confirmIfAsked,
  journeyEndChecks,
  lastSegment,
  type Rig,
  sessionCookie,
  signIn,
  startRig,
} from "./dashboard-support";

const STEP_MS = 60_000;
/** Endpoint URLs that tell the two accounts apart on a page (nothing listens there; nothing is sent). */
const PORTAL_ACCOUNT_URL = "http://127.0.0.1:9/portal-account-hook";
const DEFAULT_ACCOUNT_URL = "http://127.0.0.1:9/default-account-hook";

let rig: Rig;
let page: Page;
let accountId = "";
let accountKey = "";
let portalLink = "";
let portal: { context: BrowserContext; page: Page };

beforeAll(async () => {
  rig = await startRig();
  page = await (await rig.newContext()).newPage();
  const created = await api(rig.server, rig.keys.apiKey, "POST", "/v1/webhooks", {
    url: DEFAULT_ACCOUNT_URL,
    events: ["*"],
    description: "the default account's endpoint",
  });
  expect(created.status).toBe(201);
}, 60_000);

afterAll(async () => {
  await rig?.close();
});

const url = (path: string) => `${rig.server.url}${path}`;
const pathOf = (p: Page) => new URL(p.url()).pathname;
const heading = (p: Page, name: string) => p.getByRole("heading", { level: 1, name, exact: true });

test(
  "the admin key signs in to Accounts; the nav adds Accounts and System",
  async () => {
    await signIn(page, rig.server.url, rig.keys.adminKey);
    expect(pathOf(page)).toBe("/dashboard/accounts");
    await heading(page, "Accounts").waitFor();
    for (const link of ["Endpoints", "Deliveries", "Event types", "API docs", "Accounts", "System"]) {
      expect(await page.getByRole("link", { name: link, exact: true }).count()).toBeGreaterThan(0);
    }
    await rig.audit(page, "accounts");
  },
  STEP_MS,
);

test(
  "System shows the state; the operator's Endpoints are its own, not an account's",
  async () => {
    await page.getByRole("link", { name: "System", exact: true }).first().click();
    await heading(page, "System").waitFor();
    await rig.audit(page, "system");
    await page.getByRole("link", { name: "Endpoints", exact: true }).first().click();
    await heading(page, "Endpoints").waitFor();
    expect(await page.getByText(DEFAULT_ACCOUNT_URL).count()).toBe(0);
    await page.getByRole("link", { name: "Deliveries", exact: true }).first().click();
    await heading(page, "Deliveries").waitFor();
  },
  STEP_MS,
);

test(
  "creates an account: its first key is shown once, then its page",
  async () => {
    await page.getByRole("link", { name: "Accounts", exact: true }).first().click();
    await page.getByLabel("Account name").fill("Portal Test Co");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("link", { name: "Go to the account" }).waitFor();
    const firstKey = newKeyIn(await pageText(page));
    expect((await api(rig.server, firstKey, "GET", "/v1/webhooks")).status).toBe(200);
    await rig.audit(page, "account-created");
    await page.getByRole("link", { name: "Go to the account" }).click();
    await page.waitForURL(/\/dashboard\/accounts\/acct_[^/]+$/);
    accountId = lastSegment(page);
    await heading(page, "Portal Test Co").waitFor();
    const stored = await api(rig.server, rig.keys.adminKey, "GET", `/v1/accounts/${accountId}`);
    expect(stored.body).toMatchObject({ id: accountId, name: "Portal Test Co" });
    await rig.audit(page, "account");
  },
  STEP_MS,
);

test(
  "issues the account a key, shown once, that works on the API",
  async () => {
    await page.getByLabel("Key name").fill("portal-test");
    await page.getByLabel("manage", { exact: true }).check();
    await page.getByLabel("publish", { exact: true }).check();
    await page.getByRole("button", { name: "Issue key" }).click();
    await page.waitForLoadState();
    accountKey = newKeyIn(await pageText(page));
    const created = await api(rig.server, accountKey, "POST", "/v1/webhooks", {
      url: PORTAL_ACCOUNT_URL,
      events: ["*"],
      description: "the portal account's endpoint",
    });
    expect(created.status).toBe(201);
    await rig.audit(page, "account-key-issued");
  },
  STEP_MS,
);

test(
  "a portal link opens, in a fresh browser, a session that sees only that account",
  async () => {
    await page.getByRole("button", { name: "Create portal link" }).click();
    const field = page.getByRole("textbox", { name: "Portal link" });
    await field.waitFor();
    expect(await field.getAttribute("readonly")).not.toBeNull();
    portalLink = await field.inputValue();
    expect(portalLink.startsWith(url("/dashboard/portal/"))).toBe(true);

    const context = await rig.newContext();
    portal = { context, page: await context.newPage() };
    await portal.page.goto(portalLink);
    await portal.page.waitForURL(/\/dashboard\/endpoints$/);
    await heading(portal.page, "Endpoints").waitFor();
    expect(await portal.page.getByText(PORTAL_ACCOUNT_URL).count()).toBeGreaterThan(0);
    expect(await portal.page.getByText(DEFAULT_ACCOUNT_URL).count()).toBe(0);
    expect(await portal.page.getByRole("link", { name: "Accounts", exact: true }).count()).toBe(0);
    await rig.audit(portal.page, "portal-endpoints");
    // The account's session has no operator page.
    const accounts = await portal.page.goto(url("/dashboard/accounts"));
    expect(accounts?.status()).toBe(403);
    expect(await portal.page.getByRole("alert").count()).toBeGreaterThan(0);
  },
  STEP_MS,
);

test(
  "the portal link does not work twice",
  async () => {
    const again = await rig.newContext();
    const second = await again.newPage();
    const answer = await second.goto(portalLink);
    expect(answer?.status()).toBe(404);
    // Says so in words (a heading, not a role="alert" box, on this page).
    expect(await second.getByText(/already been used/).count()).toBeGreaterThan(0);
    expect(pathOf(second)).toStartWith("/dashboard/portal/");
    expect(await sessionCookie(again)).toBeUndefined();
    await rig.audit(second, "portal-link-used");
    await second.goto(url("/dashboard/endpoints"));
    expect(pathOf(second)).toBe("/dashboard/sign-in");
  },
  STEP_MS,
);

test(
  "Revoke ends the key",
  async () => {
    await page.goto(url(`/dashboard/accounts/${accountId}`));
    const row = page.getByRole("row").filter({ hasText: "portal-test" });
    await row.getByRole("button", { name: "Revoke" }).click();
    await confirmIfAsked(page, "Revoke", /\/revoke$/);
    expect((await api(rig.server, accountKey, "GET", "/v1/webhooks")).status).toBe(401);
  },
  STEP_MS,
);

test(
  "Delete account asks for confirmation, then deletes it and ends its portal session",
  async () => {
    await page.goto(url(`/dashboard/accounts/${accountId}`));
    await page
      .getByRole("link", { name: "Delete account" })
      .or(page.getByRole("button", { name: "Delete account" }))
      .first()
      .click();
    await page.waitForURL(/\/delete$/);
    await rig.audit(page, "account-delete");
    expect((await api(rig.server, rig.keys.adminKey, "GET", `/v1/accounts/${accountId}`)).status).toBe(200);
    await page.getByRole("button", { name: "Delete account" }).click();
    await page.waitForURL(/\/dashboard\/accounts$/);
    expect((await api(rig.server, rig.keys.adminKey, "GET", `/v1/accounts/${accountId}`)).status).toBe(404);
    await portal.page.goto(url("/dashboard/endpoints"));
    expect(pathOf(portal.page)).toBe("/dashboard/sign-in");
  },
  STEP_MS,
);

journeyEndChecks(() => rig);

/** The one account key (ik_ and 43 characters) in `text`; throws when there is none. */
function newKeyIn(text: string): string {
  const keys = text.match(/\bik_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g) ?? [];
  if (keys.length === 0) throw new Error("no key on the page");
  return keys[0] as string;
}

/** The page's visible text and the values of its inputs (a new key may be shown in either). */
async function pageText(p: Page): Promise<string> {
  const values = await p
    .locator("input, textarea")
    .evaluateAll((els) => els.map((el) => (el as unknown as { value: string }).value));
  return `${(await p.locator("body").textContent()) ?? ""}\n${values.join("\n")}`;
}
