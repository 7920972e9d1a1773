// The endpoint page's actions, each calling the service its /v1 route calls: delete (after a
// confirmation page), reveal and rotate the signing secret (the answer shows it once), send a test
// event (the outcome in the notice: status code and time, or the error in words), and recover
// failed deliveries since a time (the count accepted, or why not, e.g. a recovery already running).

import type { AttemptRecord } from "../../storage/records";
import { errorText } from "../components/delivery-text";
import { durationText, parseTimeField, timeText } from "../components/times";
import type { PageContext } from "../context";
import { errorView, issueField, sentence } from "../error-pages";
import { html } from "../html";
import { endpointPath } from "../paths";
import { type DashboardResult, page, redirect } from "../results";
import { showEndpoint, showEndpointWithSecret } from "./endpoint";

const idOf = (ctx: PageContext) => ctx.params.id ?? "";

export async function confirmDelete(ctx: PageContext): Promise<DashboardResult> {
  const webhook = await ctx.services.webhooks.get(ctx.accountId, idOf(ctx));
  const path = endpointPath(webhook.id);
  return page(
    "Delete endpoint",
    html`<h1>Delete endpoint</h1>
<div class="panel"><p>Delete the endpoint <strong class="mono wrap-anywhere">${webhook.url}</strong>? It stops receiving events at once, its waiting deliveries are dropped, and this cannot be undone.</p>
<form method="post" action="${path}/delete" class="actions">${ctx.csrf}<button type="submit" class="danger primary">Delete endpoint</button><a href="${path}">Cancel</a></form></div>`,
  );
}

export async function deleteEndpoint(ctx: PageContext): Promise<DashboardResult> {
  await ctx.services.webhooks.delete(ctx.accountId, idOf(ctx));
  return redirect("/dashboard/endpoints", { notice: "Endpoint deleted." });
}

export async function revealSecret(ctx: PageContext): Promise<DashboardResult> {
  const secrets = await ctx.services.webhooks.secrets(ctx.accountId, idOf(ctx));
  return showEndpointWithSecret(ctx, idOf(ctx), {
    secret: secrets.secret,
    previousExpiresAt: secrets.previous_expires_at,
  });
}

export async function rotateSecret(ctx: PageContext): Promise<DashboardResult> {
  const rotated = await ctx.services.webhooks.rotateSecret(ctx.accountId, idOf(ctx));
  return showEndpointWithSecret(ctx, idOf(ctx), {
    secret: rotated.secret,
    previousExpiresAt: rotated.previous_expires_at,
    notice:
      "Secret rotated. Deliveries are now signed with the new secret (and the previous one during the overlap).",
  });
}

export async function sendTest(ctx: PageContext): Promise<DashboardResult> {
  const id = idOf(ctx);
  const type = ctx.form.get("event_type") ?? "";
  try {
    const attempt = await ctx.services.webhooks.sendTest(ctx.accountId, id, type);
    const outcome = testOutcome(type, attempt);
    // A failed send is the endpoint's problem to fix: shown as an alert, not a notice.
    return redirect(
      endpointPath(id),
      attempt.outcome === "succeeded" ? { notice: outcome } : { alert: outcome },
    );
  } catch (error) {
    return refusedOnPage(ctx, id, error);
  }
}

/** "Test event message.read sent: the endpoint answered 200 in 12 ms." or why it failed. */
export function testOutcome(type: string, attempt: AttemptRecord): string {
  const took = durationText(attempt.duration_ms);
  if (attempt.outcome === "succeeded") {
    return `Test event ${type} sent: the endpoint answered ${attempt.status_code} in ${took}.`;
  }
  const why = errorText(attempt.error_class, attempt.error_message) || "no answer";
  const code = attempt.status_code === null ? "" : ` (status code ${attempt.status_code})`;
  return sentence(`Test event ${type} failed after ${took}${code}: ${why}`);
}

export async function recover(ctx: PageContext): Promise<DashboardResult> {
  const id = idOf(ctx);
  const since = parseTimeField((ctx.form.get("since") ?? "").trim());
  if (since === undefined) {
    return showEndpoint(ctx, id, {
      status: 422,
      error: "Nothing was recovered: enter the date and time (UTC) to recover from in Since.",
    });
  }
  try {
    const accepted = await ctx.services.recovery.recover(ctx.accountId, id, { since });
    const notice =
      accepted.deliveries === 0
        ? `Nothing to recover: no failed or cancelled deliveries since ${timeText(since)}.`
        : `Recovery started: ${accepted.deliveries} failed or cancelled deliver${accepted.deliveries === 1 ? "y" : "ies"} since ${timeText(since)} will be attempted again.`;
    return redirect(endpointPath(id), { notice });
  } catch (error) {
    if (errorView(error)?.status === 409 && !(await ctx.services.webhooks.get(ctx.accountId, id)).enabled) {
      return showEndpoint(ctx, id, {
        status: 409,
        error:
          "Nothing was recovered: this endpoint is disabled. Enable it first (Edit, then Enabled), then recover.",
      });
    }
    return refusedOnPage(ctx, id, error);
  }
}

/** A refusal (409, 422) shown on the endpoint page in words; anything else goes to the error page. */
async function refusedOnPage(ctx: PageContext, id: string, error: unknown): Promise<DashboardResult> {
  const view = errorView(error);
  if (!view || (view.status !== 409 && view.status !== 422)) throw error;
  const details = (view.issues ?? []).map((i) => `${fieldWord(issueField(i))} ${i.reason}.`).join(" ");
  return showEndpoint(ctx, id, {
    status: view.status,
    error: `${view.message}${details ? ` ${details}` : ""}`,
  });
}

/** A service field name (issueField: no leading slash) as the page calls it. */
function fieldWord(field: string): string {
  if (field === "since") return "Since:";
  if (field.startsWith("event_type")) return "Event type:";
  return `${field}:`;
}
