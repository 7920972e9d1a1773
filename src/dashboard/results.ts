// What handlers answer: a page (rendered into the layout), a redirect (after a POST, 303, with an
// optional notice for the next page), or a ready Response (JSON for live updates, a file).

import type { Html } from "./html";

export interface PageOptions {
  /** HTTP status, 200 unless given. */
  status?: number;
  /** A message about what just happened, shown in <p role="status">. */
  notice?: string;
  /** What went wrong, shown in <div role="alert">; use with a 4xx status. */
  error?: string;
  /** Scripts under /dashboard/assets/ this page needs besides dashboard.js (e.g. "live.js"). */
  scripts?: string[];
  /** Set-Cookie values to send (see cookies.ts). */
  cookies?: string[];
  /** Extra response headers (e.g. retry-after). */
  headers?: Record<string, string>;
  /** Extra elements for <head> (e.g. a meta refresh); constant markup only. */
  head?: Html;
}

export interface PageResult extends PageOptions {
  kind: "page";
  title: string;
  body: Html;
}

export interface RedirectResult {
  kind: "redirect";
  location: string;
  /** 303 (after a POST) unless given. */
  status: number;
  notice?: string;
  /** A problem to show once on the next page, in <div role="alert"> (instead of a notice). */
  alert?: string;
  cookies?: string[];
}

export type DashboardResult = PageResult | RedirectResult | Response;

/** A page: `title` names it (in <title>; the body carries its own <h1>). */
export function page(title: string, body: Html, options: PageOptions = {}): PageResult {
  return { kind: "page", title, body, ...options };
}

/**
 * A redirect to a dashboard path: 303 See Other by default (the browser follows with a GET, so a
 * reload does not repeat the action); `notice` is shown once on the next page.
 */
export function redirect(
  location: string,
  options: { notice?: string; alert?: string; status?: 302 | 303; cookies?: string[] } = {},
): RedirectResult {
  if (!isLocalPath(location)) {
    throw new Error(`redirect to a path of this server, not ${location}`);
  }
  return { kind: "redirect", location, ...options, status: options.status ?? 303 };
}

/**
 * A path of this server as a browser reads it: one leading "/", no backslash (read as "/"), no
 * control character (tabs and line breaks are dropped, so "/\t/evil.example" is "//evil.example").
 */
function isLocalPath(location: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  return location.startsWith("/") && !location.startsWith("//") && !/[\\\u0000-\u001f\u007f]/.test(location);
}
