// Account schemas and presenters (keys: ./key.ts). The first key appears once, in the response that
// creates the account.

import { t } from "elysia";
import type { AccountRecord } from "../../storage/records";
import { toRfc3339 } from "../rfc3339";
import { DateTime } from "./common";
import { ApiKeyModel, ApiKeyValue } from "./key";

export const AccountModel = t.Object({
  id: t.String({ examples: ["acct_01JH8Z3K9D7Q2W4E6R8T0Y1U3I"] }),
  name: t.String(),
  created_at: DateTime("When the account was created."),
});

export const CreateAccountBody = t.Object(
  { name: t.String({ minLength: 1, maxLength: 200, examples: ["Acme Corp"] }) },
  { additionalProperties: false, examples: [{ name: "Acme Corp" }] },
);

export const CreatedAccount = t.Composite([
  AccountModel,
  t.Object({ api_key: ApiKeyValue, key_id: t.String({ description: "The id of that first key." }) }),
]);

export const AccountWithKeys = t.Composite([AccountModel, t.Object({ keys: t.Array(ApiKeyModel) })]);

export function presentAccount(a: AccountRecord): typeof AccountModel.static {
  return { id: a.id, name: a.name, created_at: toRfc3339(a.created_at) };
}
