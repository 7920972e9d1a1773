// Bearer-key authentication for /v1 and the scoping rules that follow from it. Authentication
// runs in onRequest, before the body is read, so an unauthenticated caller costs no parsing.
// Routes read the result as `principal` from the context.

import { Elysia } from "elysia";
import type { AccountsService } from "../domain/accounts-service";
import { authenticateKey, type Principal } from "../domain/api-keys";
import { DomainError } from "../domain/errors";
import type { KeyUsage } from "../domain/key-usage";
import { OPERATOR_ACCOUNT_ID } from "../domain/operator";
import type { Store } from "../storage/store";
import { ApiError } from "./api-error";
import { type RequiredScope, requiredScope } from "./route-scopes";

export type { Principal };

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

function isApiPath(url: string): boolean {
  const path = new URL(url).pathname;
  return path === "/v1" || path.startsWith("/v1/");
}

export interface Authentication {
  /** Root-only: checks the key of every /v1 request in onRequest (Elysia runs onRequest app-wide). */
  guard: Elysia;
  /** For route modules: puts the request's `principal` in their handlers' context. */
  principal: ReturnType<typeof principalPlugin>;
}

function principalPlugin(principals: WeakMap<Request, Principal>) {
  // Only /v1 routes use this; for them the guard has set the principal or already answered 401.
  return new Elysia({ name: "principal" }).derive({ as: "scoped" }, ({ request }) => ({
    principal: principals.get(request) as Principal,
  }));
}

export interface AuthenticationDeps {
  now: () => number;
  /** Hears of every account key that authenticates a request (last_used_at). */
  usage?: KeyUsage;
}

/** 403 insufficient_scope, naming the scope the route needs. */
function insufficientScope(needed: RequiredScope): ApiError {
  const message =
    needed === "admin" ? "only the admin key may do this" : `this key lacks the ${needed} scope`;
  return new ApiError(403, "insufficient_scope", message, { required_scope: needed });
}

/** Whether the principal may call a route that requires `needed`; the admin key may call all. */
export function hasScope(principal: Principal, needed: RequiredScope): boolean {
  if (principal.kind === "admin") return true;
  return needed !== "admin" && principal.scopes.includes(needed);
}

/**
 * Authentication for /v1. A missing, malformed, unknown, revoked or expired key answers 401 with no
 * further detail, before the body is read. Then, before any /v1 handler (and before its body is
 * validated), the route's required scope (./route-scopes.ts) is checked: 403 insufficient_scope.
 */
export function authentication(store: Store, deps: AuthenticationDeps): Authentication {
  const principals = new WeakMap<Request, Principal>();
  const used = deps.usage ? deps.usage.note.bind(deps.usage) : undefined;
  // Elysia awaits an async onRequest hook before routing (test/http/accounts-auth.test.ts shows a
  // revoked key refused), so no handler runs before the key is checked.
  const guard = new Elysia({ name: "authentication" })
    .onRequest(async ({ request }) => {
      if (!isApiPath(request.url)) return;
      const match = BEARER.exec(request.headers.get("authorization") ?? "");
      const principal = match?.[1] ? await authenticateKey(store, match[1], deps.now(), used) : undefined;
      if (!principal) throw ApiError.unauthorized();
      principals.set(request, principal);
    })
    // Global: it runs for every route registered after this guard, which http-app.ts uses first.
    .onTransform({ as: "global" }, ({ request, route }) => {
      const principal = principals.get(request);
      if (principal === undefined) return;
      const needed = requiredScope(request.method, route);
      if (!hasScope(principal, needed)) throw insufficientScope(needed);
    });
  return { guard: guard as unknown as Elysia, principal: principalPlugin(principals) };
}

export function requireAdmin(principal: Principal): void {
  if (principal.kind !== "admin") throw ApiError.forbidden("only the admin key may manage accounts");
}

/**
 * The account a request acts for. An account key acts for its own account (naming another one
 * answers 404, as any foreign id does). The admin key must name an existing account in `account_id`
 * (`field` says where, for the 422).
 */
export async function scopeAccount(
  principal: Principal,
  requested: string | undefined,
  accounts: AccountsService,
  field: string,
): Promise<string> {
  if (principal.kind === "account") {
    if (requested !== undefined && requested !== principal.accountId) throw DomainError.notFound("account");
    return principal.accountId;
  }
  if (requested === undefined || requested === "") {
    throw ApiError.invalid("the admin key must say which account it acts for", [
      { field, reason: "is required when using the admin key" },
    ]);
  }
  await accounts.assertExists(requested);
  return requested;
}

/**
 * The account whose webhooks (and their events and deliveries) a request acts on: as scopeAccount,
 * except that the admin key without `account_id` acts on the operator's own (src/domain/operator.ts):
 * its webhooks, which receive the operational events, those events and their deliveries. Never for
 * publishing: only the appliance publishes the operator's events. An empty `account_id` is still
 * refused, and no account key can name the operator.
 */
export function scopeWebhookOwner(
  principal: Principal,
  requested: string | undefined,
  accounts: AccountsService,
  field: string,
): Promise<string> {
  if (principal.kind === "admin" && requested === undefined) return Promise.resolve(OPERATOR_ACCOUNT_ID);
  return scopeAccount(principal, requested, accounts, field);
}
