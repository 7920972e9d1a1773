// The frame of every dashboard page: head (title, the one stylesheet, deferred scripts from this
// server only), a skip link, the header with the navigation and the sign-out form, the notice and
// the error of the last action, then the page. No inline script or style anywhere (the CSP refuses
// both).

import type { Principal } from "../domain/api-keys";
import { assetUrl } from "./assets";
import { csrfField } from "./csrf";
import { type Html, html } from "./html";

export interface LayoutInput {
  title: string;
  body: Html;
  /** The signed-in principal (nav and sign-out form), undefined on public pages. */
  principal?: Principal;
  /** The session's CSRF token, for the sign-out form. */
  csrfToken?: string;
  /** The request's path, to mark the current section in the nav. */
  path: string;
  notice?: string;
  error?: string;
  /** Asset names of extra scripts (dashboard.js is always loaded). */
  scripts?: string[];
  head?: Html;
  version: string;
}

interface NavLink {
  label: string;
  href: string;
  adminOnly?: boolean;
}

const NAV: NavLink[] = [
  { label: "Endpoints", href: "/dashboard/endpoints" },
  { label: "Deliveries", href: "/dashboard/deliveries" },
  { label: "Event types", href: "/dashboard/event-types" },
  { label: "Accounts", href: "/dashboard/accounts", adminOnly: true },
  { label: "System", href: "/dashboard/system", adminOnly: true },
];

export function layout(input: LayoutInput): string {
  const scripts = ["dashboard.js", ...(input.scripts ?? [])];
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${input.title} · Inbox Webhooks</title>
<link rel="stylesheet" href="${assetUrl("dashboard.css", input.version)}">
${scripts.map((name) => html`<script src="${assetUrl(name, input.version)}" defer></script>\n`)}${input.head}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${header(input)}
<main id="main">
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ""}
${input.error ? html`<div class="alert" role="alert"><p>${input.error}</p></div>` : ""}
${input.body}
</main>
</body>
</html>
`}`;
}

function header(input: LayoutInput): Html {
  const principal = input.principal;
  const links = NAV.filter((link) => !link.adminOnly || principal?.kind === "admin");
  const nav = principal ? links.map((link) => navItem(link, input.path)) : "";
  return html`<header class="site-header">
<div class="bar">
<a class="brand" href="/dashboard">Inbox Webhooks</a>
<nav class="site-nav" aria-label="Main"><ul>${nav}<li><a href="/swagger">API docs</a></li></ul></nav>
${principal && input.csrfToken ? signOut(principal, input.csrfToken) : ""}
</div>
</header>`;
}

function navItem(link: NavLink, path: string): Html {
  const current = path === link.href || path.startsWith(`${link.href}/`);
  return html`<li><a href="${link.href}"${current ? html` aria-current="page"` : ""}>${link.label}</a></li>`;
}

function signOut(principal: Principal, csrfToken: string): Html {
  const who = principal.kind === "admin" ? "Operator" : `Account ${principal.accountId}`;
  return html`<span class="who">${who}</span>
<form method="post" action="/dashboard/sign-out">${csrfField(csrfToken)}<button type="submit">Sign out</button></form>`;
}
