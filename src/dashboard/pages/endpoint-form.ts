// Creating and editing an endpoint: GET /dashboard/endpoints/new, POST /dashboard/endpoints,
// GET /dashboard/endpoints/:id/edit, POST /dashboard/endpoints/:id. The service validates exactly as
// the API does; a refusal (422) shows the form again with what was typed and each problem beside its
// field; success goes to the endpoint's page (create shows the signing secret once there).

import type { FieldIssue } from "../../domain/errors";
import type { CreateWebhookInput, UpdateWebhookInput } from "../../domain/webhooks-service";
import type { PageContext } from "../context";
import { fieldIssues, sentence } from "../error-pages";
import { endpointPath } from "../paths";
import { type DashboardResult, page, redirect } from "../results";
import { showEndpointWithSecret, subscribableCatalog } from "./endpoint";
import { EMPTY_VALUES, type EndpointFormValues, readValues, toInput, valuesOf } from "./endpoint-form-input";
import { endpointForm, type FormMode } from "./endpoint-form-view";

async function formPage(
  ctx: PageContext,
  mode: FormMode,
  values: EndpointFormValues,
  refusal?: { message: string; issues: FieldIssue[] },
): Promise<DashboardResult> {
  const types = (await subscribableCatalog(ctx)).types();
  const title = mode.kind === "create" ? "New endpoint" : "Edit endpoint";
  return page(title, endpointForm({ mode, values, types, issues: refusal?.issues ?? [], csrf: ctx.csrf }), {
    status: refusal ? 422 : 200,
    error: refusal?.message,
  });
}

export function showNewForm(ctx: PageContext): Promise<DashboardResult> {
  return formPage(ctx, { kind: "create" }, EMPTY_VALUES);
}

export async function showEditForm(ctx: PageContext): Promise<DashboardResult> {
  const webhook = await ctx.services.webhooks.get(ctx.accountId, ctx.params.id ?? "");
  return formPage(ctx, { kind: "edit", id: webhook.id }, valuesOf(webhook));
}

export async function createEndpoint(ctx: PageContext): Promise<DashboardResult> {
  const values = readValues(ctx.form);
  const mode: FormMode = { kind: "create" };
  const read = toInput(values);
  if ("issues" in read) return formPage(ctx, mode, values, formRefusal(read.issues));
  const { enabled: _enabled, ...fields } = read.input;
  try {
    const webhook = await ctx.services.webhooks.create(ctx.accountId, fields as CreateWebhookInput);
    // The secret is shown once, on the page the creation answers (no redirect could carry it).
    return showEndpointWithSecret(ctx, webhook.id, {
      secret: webhook.secret,
      notice: "Endpoint created. Copy its signing secret now to verify the deliveries it receives.",
    });
  } catch (error) {
    return refused(ctx, mode, values, error);
  }
}

export async function updateEndpoint(ctx: PageContext): Promise<DashboardResult> {
  const id = ctx.params.id ?? "";
  const values = readValues(ctx.form);
  const mode: FormMode = { kind: "edit", id };
  const read = toInput(values);
  if ("issues" in read) return formPage(ctx, mode, values, formRefusal(read.issues));
  try {
    await ctx.services.webhooks.update(ctx.accountId, id, read.input as UpdateWebhookInput);
  } catch (error) {
    return refused(ctx, mode, values, error);
  }
  return redirect(endpointPath(id), { notice: "Changes saved." });
}

/** The form again for a 422; any other error goes on to the error page. */
function refused(
  ctx: PageContext,
  mode: FormMode,
  values: EndpointFormValues,
  error: unknown,
): Promise<DashboardResult> {
  const issues = fieldIssues(error);
  if (issues === undefined) throw error;
  const refusal =
    issues.length > 0
      ? formRefusal(issues)
      : { message: `The endpoint was not saved. ${sentence((error as Error).message)}`, issues };
  return formPage(ctx, mode, values, refusal);
}

function formRefusal(issues: FieldIssue[]): { message: string; issues: FieldIssue[] } {
  return { message: "The endpoint was not saved: correct the fields marked below.", issues };
}
