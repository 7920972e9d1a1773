// The dashboard: server-rendered pages under /dashboard, served by the same process as the API but
// by its own small router (./router.ts), so that the API's JSON body parser, query guards and JSON
// error handler never see its form posts and HTML pages. http-app.ts hands it every /dashboard
// request first (dashboardRequests below). Per request: 503 while shutting down, route match (404/
// 405 pages), the form (urlencoded, size-capped), Origin check on every POST, the session from its
// cookie, the /v1 route's scope, the CSRF token, then the handler; every failure becomes a page in
// words a customer understands, and every response carries the security headers.

import { Elysia } from "elysia";
import type { Config } from "../config/config";
import type { Principal } from "../domain/api-keys";
import type { DeliveryPort } from "../domain/delivery-port";
import { OPERATOR_ACCOUNT_ID } from "../domain/operator";
import type { Services } from "../domain/services";
import { hasScope } from "../http/auth";
import { publicOrigin } from "../http/public-url";
import { requiredScope } from "../http/route-scopes";
import type { Logger } from "../observability/logger";
import type { SessionRecord } from "../storage/records";
import type { Store } from "../storage/store";
import type { DashboardSessions, Handler, PageContext, PublicContext } from "./context";
import {
  clearSessionCookies,
  NOTICE_COOKIE,
  portalCookieScope,
  readCookies,
  SESSION_COOKIE,
} from "./cookies";
import { csrfField, csrfRefusal, sameOrigin } from "./csrf";
import { type ErrorView, errorView, internalError, missingScope, notFoundError } from "./error-pages";
import { FormError, readForm } from "./form";
import { readNotice } from "./notices";
import { errorPage, type RenderState, toResponse } from "./render";
import { redirect } from "./results";
import { apiParts, type Route, Router } from "./router";
import { registerRoutes } from "./routes";

export interface DashboardDeps {
  services: Services;
  sessions: DashboardSessions;
  config: Config;
  logger: Logger;
  version: string;
  isShuttingDown: () => boolean;
  now: () => number;
  /** The figures /health and /metrics publish, read from memory (the system page). */
  store: Pick<Store, "figures" | "health">;
  delivery: Pick<DeliveryPort, "inFlight">;
}

export interface Dashboard {
  /** Answers a request whose path is /dashboard or under it; never throws. */
  handle(request: Request): Promise<Response>;
}

const DASHBOARD_PATH = "/dashboard";

function isDashboardPath(pathname: string): boolean {
  return pathname === DASHBOARD_PATH || pathname.startsWith(`${DASHBOARD_PATH}/`);
}

export function createDashboard(deps: DashboardDeps): Dashboard {
  const router = new Router();
  registerRoutes(router, deps);
  return {
    async handle(request) {
      const url = new URL(request.url);
      const state: RenderState = {
        version: deps.version,
        path: url.pathname,
        origin: publicOrigin(request, deps.config.publicUrl),
        portalFrameAncestors: deps.config.portalFrameAncestors ?? [],
        noticeCookiePresent: false,
        cookieScope: "strict",
        cookies: [],
      };
      try {
        return await answer(deps, router, request, url, state);
      } catch (error) {
        return errorPage(viewOf(error, deps.logger, request), state);
      }
    },
  };
}

/**
 * For http-app.ts: answers every /dashboard request before the API's guards, parser and routes
 * see it (an onRequest hook's answer ends the request in Elysia). The dashboard applies its own
 * guards: 503 while shutting down, its own body cap.
 */
export function dashboardRequests(dashboard: Dashboard) {
  return new Elysia({ name: "dashboard" }).onRequest(async ({ request }) => {
    // Every API request passes here (publish included): a substring test spares them a URL parse.
    if (!request.url.includes(DASHBOARD_PATH)) return;
    if (!isDashboardPath(new URL(request.url).pathname)) return;
    return dashboard.handle(request);
  });
}

async function answer(
  deps: DashboardDeps,
  router: Router,
  request: Request,
  url: URL,
  state: RenderState,
): Promise<Response> {
  if (deps.isShuttingDown()) return errorPage(shuttingDown(), state);
  const found = router.match(request.method.toUpperCase(), url.pathname);
  if (!("route" in found)) {
    await showSessionIn(deps, request, state);
    return errorPage(noRoute(found.allowed), state);
  }
  // Another site's POST is refused before its body is read.
  if (found.route.method === "POST" && !sameOrigin(request, state.origin)) {
    return errorPage(forgedForm("the form was sent from another site"), state);
  }
  const form = found.route.method === "POST" ? await readForm(request) : new URLSearchParams();
  const cookies = readCookies(request);
  const base: PublicContext = {
    request,
    url,
    params: found.params,
    form,
    cookies,
    origin: state.origin,
    services: deps.services,
    sessions: deps.sessions,
    config: deps.config,
    now: deps.now(),
    notice: undefined,
  };
  if (found.route.api === undefined) {
    return toResponse(await (found.route.handler as Handler<PublicContext>)(base), state);
  }
  return signedIn(deps, found.route, base, state);
}

async function signedIn(
  deps: DashboardDeps,
  route: Route,
  base: PublicContext,
  state: RenderState,
): Promise<Response> {
  const sessionId = base.cookies[SESSION_COOKIE];
  const resumed = sessionId ? await deps.sessions.resume(sessionId) : undefined;
  if (!sessionId || !resumed) {
    // No session, or it ended (expired, idle, its key revoked): sign in again.
    if (sessionId) state.cookies.push(...clearSessionCookies(deps.config.portalFrameAncestors, state.origin));
    const notice = sessionId ? "?notice=session-ended" : "";
    return toResponse(redirect(`/dashboard/sign-in${notice}`, { status: 303 }), state);
  }
  const { principal, session } = resumed;
  state.principal = principal;
  state.csrfToken = session.csrf_token;
  if (session.origin === "portal") {
    state.cookieScope = portalCookieScope(deps.config.portalFrameAncestors, state.origin);
  }
  for (const api of route.api ?? []) {
    const { method, path } = apiParts(api);
    const needed = requiredScope(method, path);
    if (!hasScope(principal, needed)) return errorPage(missingScope(needed), state);
  }
  if (route.method === "POST") {
    const refusal = csrfRefusal(base.request, base.form, session.csrf_token, state.origin);
    if (refusal) return errorPage(forgedForm(refusal), state);
  }
  const ctx = pageContext(base, sessionId, resumed, state);
  return toResponse(await (route.handler as Handler<PageContext>)(ctx), state);
}

/** The signed-in context; reads the flash the previous redirect left (shown by the layout). */
function pageContext(
  base: PublicContext,
  sessionId: string,
  { principal, session }: { principal: Principal; session: SessionRecord },
  state: RenderState,
): PageContext {
  state.noticeCookiePresent = base.cookies[NOTICE_COOKIE] !== undefined;
  state.flash = readNotice(base.cookies[NOTICE_COOKIE], session.csrf_token);
  return {
    ...base,
    notice: state.flash?.kind === "notice" ? state.flash.text : undefined,
    principal,
    session,
    sessionId,
    accountId: principal.kind === "admin" ? OPERATOR_ACCOUNT_ID : principal.accountId,
    csrf: csrfField(session.csrf_token),
  };
}

/** Puts the session (if any) in `state`, so that an error page keeps the navigation. */
async function showSessionIn(deps: DashboardDeps, request: Request, state: RenderState): Promise<void> {
  const sessionId = readCookies(request)[SESSION_COOKIE];
  const resumed = sessionId ? await deps.sessions.resume(sessionId) : undefined;
  if (!resumed) return;
  state.principal = resumed.principal;
  state.csrfToken = resumed.session.csrf_token;
}

function viewOf(error: unknown, logger: Logger, request: Request): ErrorView {
  if (error instanceof FormError) {
    return {
      status: error.status,
      title: error.status === 413 ? "Form too large" : "Form not understood",
      message: error.message,
    };
  }
  const view = errorView(error);
  if (view) return view;
  logger.error("dashboard request failed", {
    method: request.method,
    path: new URL(request.url).pathname,
    error: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
  return internalError();
}

function shuttingDown(): ErrorView {
  return {
    status: 503,
    title: "Restarting",
    message: "The server is shutting down. Try again in a moment.",
    retryAfterS: 5,
  };
}

function noRoute(allowed: string[]): ErrorView {
  if (allowed.length === 0) return notFoundError();
  return {
    status: 405,
    title: "Not available this way",
    message: "This address cannot be used like that. Use the links and buttons of the dashboard.",
  };
}

/** 403 for a POST that fails the CSRF checks. */
function forgedForm(reason: string): ErrorView {
  return {
    status: 403,
    title: "Form refused",
    message: `Nothing was changed: ${reason}. Go back, reload the page and try again.`,
  };
}
