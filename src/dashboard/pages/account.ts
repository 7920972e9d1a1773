// One account's routes, for the operator. Each stands for the /v1 route that does the same, and
// calls the same service with the session's principal:
//   GET  /dashboard/accounts/:id                        GET /v1/accounts/:id
//   POST /dashboard/accounts/:id/keys                   POST /v1/accounts/:id/keys
//   POST /dashboard/accounts/:id/keys/:key_id/revoke    DELETE /v1/accounts/:id/keys/:key_id
//   POST /dashboard/accounts/:id/portal-links           POST /v1/accounts/:id/portal-links
//   GET  /dashboard/accounts/:id/delete                 GET and DELETE /v1/accounts/:id (asks)
//   POST /dashboard/accounts/:id/delete                 DELETE /v1/accounts/:id
// A new key and a new portal link are answered on the page itself, never stored in clear: they are
// shown once, and a reload (a GET of the account) no longer has them.

import type { PageContext } from "../context";
import { fieldIssues } from "../error-pages";
import { type DashboardResult, page, redirect } from "../results";
import type { Router } from "../router";
import { type AccountView, accountBody, deleteAccountBody } from "./account-view";
import { accountPath } from "./accounts-view";
import { keyFormValues, keyIssueWords, parseKeyForm, parsePortalLifetime } from "./key-form";
import { periodText } from "./operator-format";

export function accountRoutes(router: Router): void {
  router
    .get("/dashboard/accounts/:id", "GET /v1/accounts/:id", showAccount)
    .post("/dashboard/accounts/:id/keys", "POST /v1/accounts/:id/keys", issueKey)
    .post("/dashboard/accounts/:id/keys/:key_id/revoke", "DELETE /v1/accounts/:id/keys/:key_id", revokeKey)
    .post("/dashboard/accounts/:id/portal-links", "POST /v1/accounts/:id/portal-links", createPortalLink)
    .get("/dashboard/accounts/:id/delete", ["GET /v1/accounts/:id", "DELETE /v1/accounts/:id"], confirmDelete)
    .post("/dashboard/accounts/:id/delete", "DELETE /v1/accounts/:id", deleteAccount);
}

type Extra = Omit<AccountView, "account" | "keys" | "now" | "csrf">;

/** The account page, read afresh (a 404 page when the account is gone). */
async function accountPage(ctx: PageContext, extra: Extra = {}, status?: number, error?: string) {
  const { account, keys } = await ctx.services.accounts.get(ctx.params.id as string);
  const view: AccountView = {
    account,
    keys: ctx.services.keys.withUsage(keys),
    now: ctx.now,
    csrf: ctx.csrf,
    ...extra,
  };
  return page(account.name, accountBody(view), { status, error, notice: ctx.notice });
}

function showAccount(ctx: PageContext): Promise<DashboardResult> {
  return accountPage(ctx);
}

async function issueKey(ctx: PageContext): Promise<DashboardResult> {
  const accountId = ctx.params.id as string;
  const values = keyFormValues(ctx.form);
  const parsed = parseKeyForm(values);
  if (!parsed.ok) return accountPage(ctx, { keyForm: values }, 422, parsed.problems.join(" "));
  try {
    const issued = await ctx.services.keys.issue(accountId, parsed.value, ctx.principal);
    const result = await accountPage(ctx, { issued });
    return { ...result, notice: "The key was issued." };
  } catch (error) {
    const issues = fieldIssues(error);
    if (issues === undefined) throw error;
    return accountPage(ctx, { keyForm: values }, 422, issues.map(keyIssueWords).join(" "));
  }
}

async function revokeKey(ctx: PageContext): Promise<DashboardResult> {
  const accountId = ctx.params.id as string;
  const keyId = ctx.params.key_id as string;
  // Read first, so that a second click (another tab, a resent form) says what happened instead of
  // "not found"; an unknown key still answers the 404 the API gives.
  const known = (await ctx.services.keys.list(accountId)).find((key) => key.id === keyId);
  if (known && known.revoked_at !== null) {
    return redirect(accountPath(accountId), { notice: `The key ${known.prefix}… was already revoked.` });
  }
  await ctx.services.keys.revoke(accountId, keyId);
  const which = known ? `The key ${known.prefix}…` : "The key";
  return redirect(accountPath(accountId), {
    notice: `${which} was revoked: requests made with it fail from now on.`,
  });
}

async function createPortalLink(ctx: PageContext): Promise<DashboardResult> {
  const accountId = ctx.params.id as string;
  const lifetime = parsePortalLifetime(ctx.form);
  if (!lifetime.ok) return accountPage(ctx, {}, 422, lifetime.problems.join(" "));
  const { token, expiresAt } = await ctx.services.sessions.createPortalLink(accountId, lifetime.value);
  // The token is base64url: safe in a path as it is, as the API writes it.
  const url = `${ctx.origin}/dashboard/portal/${token}`;
  const result = await accountPage(ctx, { portalLink: { url, expiresAt } });
  return { ...result, notice: "A portal link was created: copy it below." };
}

async function confirmDelete(ctx: PageContext): Promise<DashboardResult> {
  const { account, keys } = await ctx.services.accounts.get(ctx.params.id as string);
  const liveKeys = keys.filter((key) => key.revoked_at === null).length;
  const retention = periodText(ctx.config.retentionMs);
  return page(`Delete ${account.name}`, deleteAccountBody({ account, liveKeys, retention, csrf: ctx.csrf }));
}

async function deleteAccount(ctx: PageContext): Promise<DashboardResult> {
  const { account } = await ctx.services.accounts.get(ctx.params.id as string);
  await ctx.services.accounts.delete(account.id);
  return redirect("/dashboard/accounts", { notice: `Account ${account.name} was deleted.` });
}
