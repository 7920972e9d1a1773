// Account and API key schemas and presenters. Key listings show only the id and clear prefix;
// the full key appears once, in the response that creates it.

import { t } from "elysia";
import type { AccountRecord, ApiKeyRecord } from "../../storage/records";
import { toRfc3339, toRfc3339OrNull } from "../rfc3339";
import { DateTime, IdString } from "./common";

const ApiKeyValue = t.String({
  description: "The API key. Shown only here, once: store it now.",
  examples: ["ik_Vq3Xc9yB0nKpL2mQ7wE4rT6uY8iO1aSdF5gH3jK0lZx"],
});

export const AccountModel = t.Object({
  id: t.String({ examples: ["acct_01JH8Z3K9D7Q2W4E6R8T0Y1U3I"] }),
  name: t.String(),
  created_at: DateTime("When the account was created."),
});

export const ApiKeyModel = t.Object({
  id: t.String({ examples: ["key_01JH8Z3K9D7Q2W4E6R8T0Y1U3I"] }),
  prefix: t.String({ description: "The key's first characters, to tell keys apart." }),
  created_at: DateTime("When the key was issued."),
  revoked_at: t.Union([DateTime("When the key was revoked."), t.Null()]),
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

export const CreatedKey = t.Object({
  id: t.String(),
  prefix: t.String(),
  created_at: DateTime("When the key was issued."),
  api_key: ApiKeyValue,
});

export const KeyParams = t.Object({ id: IdString(), key_id: IdString() });

export function presentAccount(a: AccountRecord): typeof AccountModel.static {
  return { id: a.id, name: a.name, created_at: toRfc3339(a.created_at) };
}

export function presentKey(k: ApiKeyRecord): typeof ApiKeyModel.static {
  return {
    id: k.id,
    prefix: k.prefix,
    created_at: toRfc3339(k.created_at),
    revoked_at: toRfc3339OrNull(k.revoked_at),
  };
}
