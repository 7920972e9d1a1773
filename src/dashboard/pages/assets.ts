// GET /dashboard/assets/:name: the embedded stylesheet and scripts (../assets.ts), no session needed.

import { assetResponse } from "../assets";
import { notFoundError } from "../error-pages";
import { html } from "../html";
import { page } from "../results";
import type { Router } from "../router";

export function assetRoutes(router: Router): void {
  router.publicGet("/dashboard/assets/:name", (ctx) => {
    const response = assetResponse(ctx.params.name ?? "");
    if (response) return response;
    const view = notFoundError();
    return page(view.title, html`<h1>${view.title}</h1><p>${view.message}</p>`, { status: 404 });
  });
}
