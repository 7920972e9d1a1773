// How a refused limit reads to the caller: 422 limit_exceeded whose details name the limit, its
// value, what the request asked for, and the setting (environment variable and flag) that raises it,
// taken from the option table so that the names cannot drift from --help.

import { OPTIONS } from "../config/options";
import type { LimitExceededError } from "../domain/limits";
import { ApiError } from "./api-error";

export type LimitDetails = {
  /** The limit's name: its flag without the dashes, in snake case ("max_webhooks_per_account"). */
  limit: string;
  max: number;
  requested?: number;
  env: string;
  flag: string;
};

export function limitExceeded(error: LimitExceededError): ApiError {
  const option = OPTIONS.find((o) => o.key === error.limit);
  if (!option) throw new Error(`no option configures the limit ${error.limit}`);
  const details: LimitDetails = {
    limit: option.flag.replace(/^--/, "").replaceAll("-", "_"),
    max: error.max,
    ...(error.requested === undefined ? {} : { requested: error.requested }),
    env: option.env,
    flag: option.flag,
  };
  return ApiError.limitExceeded(error.message, details);
}
