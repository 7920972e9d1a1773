// What a dashboard route handler receives and returns. Handlers are controllers: they read the
// request through this context and call the same domain services the /v1 routes call, with the
// session's principal; they never reach the store.

import type { Config } from "../config/config";
import type { Principal } from "../domain/api-keys";
import type { Services } from "../domain/services";
import type { SessionRecord } from "../storage/records";
import type { Html } from "./html";
import type { DashboardResult } from "./results";

/**
 * The sessions the dashboard signs in with (src/domain/sessions-service.ts, `services.sessions`).
 * Declared here as the dashboard uses it, so that the shell depends on the shape, not the class.
 */
export interface DashboardSessions {
  signIn(
    key: string,
  ): Promise<
    | { ok: true; sessionId: string; session: SessionRecord }
    | { ok: false; reason: "wrong_key" | "publish_only" }
  >;
  resume(sessionId: string): Promise<{ principal: Principal; session: SessionRecord } | undefined>;
  signOut(sessionId: string): Promise<void>;
  openPortalLink(token: string): Promise<{ sessionId: string; session: SessionRecord } | undefined>;
}

/** Every handler's context, signed in or not. */
export interface PublicContext {
  request: Request;
  url: URL;
  /** The route's `:name` segments, decoded. */
  params: Record<string, string>;
  /** The urlencoded form of a POST (size-capped); empty for GET. */
  form: URLSearchParams;
  /** Cookies sent with the request, by name. */
  cookies: Record<string, string>;
  /** The origin people reach this server at (INBOX_PUBLIC_URL, else the request's). */
  origin: string;
  services: Services;
  sessions: DashboardSessions;
  config: Config;
  /** The request's time, ms (one clock read per request). */
  now: number;
  /** The notice left by the action that redirected here (shown in the layout), if any. */
  notice: string | undefined;
}

/** The context of a signed-in route: the router has checked the session and the route's scope. */
export interface PageContext extends PublicContext {
  principal: Principal;
  session: SessionRecord;
  sessionId: string;
  /**
   * The account whose webhooks, events and deliveries the pages act on: the account of an account
   * session; for an admin session the operator's own (OPERATOR_ACCOUNT_ID), as the API's
   * scopeWebhookOwner does for the admin key without account_id.
   */
  accountId: string;
  /** The hidden `csrf` field every POST form of this session must carry (see csrfField). */
  csrf: Html;
}

export type Handler<C> = (ctx: C) => Promise<DashboardResult> | DashboardResult;
