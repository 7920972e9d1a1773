// Limits that keep one account from taking more than its share of the appliance. A request past one
// is refused whole, before anything is written, with the limit named by its configuration key so
// that the HTTP layer can tell the caller which setting raises it.

import type { Config } from "../config/config";

export type LimitKey = keyof Pick<Config, "webhooksPerAccountMax" | "deliveriesPerPublishMax">;

export class LimitExceededError extends Error {
  constructor(
    readonly limit: LimitKey,
    /** The configured maximum. */
    readonly max: number,
    message: string,
    /** How much the request asked for, when known. */
    readonly requested?: number,
  ) {
    super(message);
    this.name = "LimitExceededError";
  }

  static webhooksPerAccount(max: number): LimitExceededError {
    return new LimitExceededError(
      "webhooksPerAccountMax",
      max,
      `the account has reached its limit of ${max} webhooks; delete one before registering another`,
    );
  }

  static deliveriesPerPublish(max: number, requested: number): LimitExceededError {
    return new LimitExceededError(
      "deliveriesPerPublishMax",
      max,
      `this publish would create ${requested} deliveries, more than the ${max} allowed in one request; ` +
        "publish fewer events per request",
      requested,
    );
  }
}
