// A webhook's delivery log: its attempts, newest first, filtered.

import type { AttemptFilter, AttemptRecord, Page, PageQuery } from "../storage/records";
import type { Store } from "../storage/store";
import { DomainError } from "./errors";

export class LogsService {
  constructor(private readonly deps: { store: Store }) {}

  async list(
    accountId: string,
    webhookId: string,
    filter: AttemptFilter,
    page: PageQuery,
  ): Promise<Page<AttemptRecord>> {
    if (!(await this.deps.store.webhooks.get(accountId, webhookId))) throw DomainError.notFound("webhook");
    if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
      throw DomainError.invalid("the time range is empty", [
        { field: "since", reason: "must not be after until" },
      ]);
    }
    return this.deps.store.attempts.listForWebhook(accountId, webhookId, filter, page);
  }
}
