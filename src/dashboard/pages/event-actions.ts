// POST /dashboard/deliveries/:id/retry (as POST /v1/deliveries/:id/retry) and POST
// /dashboard/events/:id/replay (as POST /v1/events/:id/replay): the same service calls as the API,
// then back to the event page with a notice (303, so a reload does not repeat the action). A
// refusal answers the event page with the reason in words and the API's status.

import { DomainError } from "../../domain/errors";
import { LimitExceededError } from "../../domain/limits";
import type { PageContext } from "../context";
import { sentence } from "../error-pages";
import { html } from "../html";
import { eventPath } from "../paths";
import { type DashboardResult, page, redirect } from "../results";
import { eventPage } from "./event";

export async function retryHandler(ctx: PageContext): Promise<DashboardResult> {
  const deliveryId = ctx.params.id ?? "";
  try {
    const delivery = await ctx.services.deliveries.retry(ctx.accountId, deliveryId);
    return redirect(eventPath(delivery.event_id), {
      notice: `Delivery ${delivery.id} will be attempted again now.`,
    });
  } catch (err) {
    const refusal = refusalOf(err, "delivery");
    const eventId = await eventOfDelivery(ctx, deliveryId);
    if (eventId === undefined) {
      return page(
        "Delivery not found",
        html`<h1>Delivery</h1><p><a href="/dashboard/deliveries">Back to deliveries</a></p>`,
        {
          status: 404,
          error:
            "There is no delivery with this id in your account (it may have been removed after the retention period).",
        },
      );
    }
    return eventPage(ctx, eventId, refusal);
  }
}

export async function replayHandler(ctx: PageContext): Promise<DashboardResult> {
  const eventId = ctx.params.id ?? "";
  const webhookId = ctx.form.get("webhook_id")?.trim() || undefined;
  try {
    const outcome = await ctx.services.events.replay(ctx.accountId, eventId, webhookId);
    const n = outcome.deliveries.length;
    const notice =
      n === 0
        ? `Nothing was replayed: no enabled endpoint is subscribed to ${outcome.event.type} now.`
        : `Replayed: ${n} new ${n === 1 ? "delivery" : "deliveries"}, due now.`;
    return redirect(eventPath(eventId), { notice });
  } catch (err) {
    return eventPage(ctx, eventId, refusalOf(err, webhookId ? "endpoint" : "event"));
  }
}

/** The delivery's event, or undefined when the delivery is not the account's (any more). */
async function eventOfDelivery(ctx: PageContext, deliveryId: string): Promise<string | undefined> {
  try {
    return (await ctx.services.deliveries.get(ctx.accountId, deliveryId)).delivery.event_id;
  } catch (err) {
    if (err instanceof DomainError && err.kind === "not_found") return undefined;
    throw err;
  }
}

/**
 * A refused action in words with its status (as the API answers it); anything unexpected is
 * rethrown to the dashboard's error page.
 */
function refusalOf(
  err: unknown,
  missing: "delivery" | "event" | "endpoint",
): { status: number; error: string } {
  if (err instanceof LimitExceededError) return { status: 422, error: sentence(err.message) };
  if (!(err instanceof DomainError)) throw err;
  if (err.kind === "not_found") {
    const what = err.message.startsWith("webhook") ? "endpoint" : missing;
    return { status: 404, error: `That ${what} does not exist in your account (any more).` };
  }
  if (err.kind === "conflict") return { status: 409, error: conflictText(err.message) };
  return { status: 422, error: sentence(err.message) };
}

/** The service's conflict messages name API calls; the dashboard says where to click instead. */
function conflictText(message: string): string {
  if (message.includes("already succeeded"))
    return "This delivery already succeeded: there is nothing to retry.";
  if (message.includes("disabled"))
    return "The endpoint is disabled: enable it on its page (Edit, then Enabled) and try again.";
  if (message.includes("deleted"))
    return "The endpoint has been deleted: there is nowhere to send this delivery.";
  return sentence(message);
}
