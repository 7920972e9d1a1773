// The operator: whoever holds the admin key. It has no row in the accounts table and is never
// listed, but it owns webhooks of its own (registered with the admin key and no account_id), and
// only those receive the operational event types: events about every account's webhooks and
// deliveries, published as events of this reserved account through the normal publish path.

/** The reserved account id of the operator's webhooks and events; never an acct_ id. */
export const OPERATOR_ACCOUNT_ID = "operator";

/** A webhook of the operator was disabled; data: {account_id, webhook_id, reason, disabled_at}. */
export const WEBHOOK_DISABLED = "webhook.disabled";
/** A delivery exhausted its retry schedule; data names its account, webhook, event and last error. */
export const DELIVERY_FAILED = "delivery.failed";

export function isOperator(accountId: string): boolean {
  return accountId === OPERATOR_ACCOUNT_ID;
}
