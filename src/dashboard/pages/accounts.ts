// The operator's accounts page: GET /dashboard/accounts lists them a cursor page at a time (the
// service's page: no scan), POST /dashboard/accounts creates one and answers its first key, once,
// on the answer page itself (a redirect would have to carry the key somewhere: it is not kept).
// Admin sessions only: they stand for GET and POST /v1/accounts.

import { pageQuery } from "../../domain/paging";
import type { PageContext } from "../context";
import type { Html } from "../html";
import { type DashboardResult, page } from "../results";
import type { Router } from "../router";
import { type AccountsView, accountCreatedBody, accountsBody } from "./accounts-view";
import { parseAccountName } from "./key-form";

/** Accounts per page. */
export const ACCOUNTS_PAGE_LIMIT = 50;

export function accountsRoutes(router: Router): void {
  router
    .get("/dashboard/accounts", "GET /v1/accounts", listAccounts)
    .post("/dashboard/accounts", "POST /v1/accounts", createAccount);
}

async function accountsPageBody(
  ctx: PageContext,
  cursor: string | undefined,
  form: Pick<AccountsView, "name" | "nameRefused"> = {},
): Promise<Html> {
  const listing = await ctx.services.accounts.list(pageQuery(ACCOUNTS_PAGE_LIMIT, cursor));
  return accountsBody({
    accounts: listing.data,
    nextCursor: listing.next_cursor,
    paged: cursor !== undefined && cursor !== "",
    csrf: ctx.csrf,
    ...form,
  });
}

async function listAccounts(ctx: PageContext): Promise<DashboardResult> {
  const cursor = ctx.url.searchParams.get("cursor") ?? undefined;
  return page("Accounts", await accountsPageBody(ctx, cursor));
}

async function createAccount(ctx: PageContext): Promise<DashboardResult> {
  const name = parseAccountName(ctx.form);
  if (!name.ok) {
    const typed = ctx.form.get("name") ?? "";
    const body = await accountsPageBody(ctx, undefined, { name: typed, nameRefused: true });
    return page("Accounts", body, { status: 422, error: name.problems.join(" ") });
  }
  const { account, apiKey, key } = await ctx.services.accounts.create(name.value);
  return page("Account created", accountCreatedBody({ account, apiKey, keyPrefix: key.prefix }), {
    notice: `Account ${account.name} was created.`,
  });
}
