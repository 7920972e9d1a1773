// Schema version 2: a webhook's previous secret, kept through a rotation's overlap window. Both
// columns are null for every existing row ("no previous secret"), so adding them rewrites nothing;
// they are set and cleared together (webhooks-repository.ts rotateSecret).

import type { Migration } from "../migrations";

export const previousSecret: Migration = {
  version: 2,
  description: "webhook previous secret for rotation overlap",
  statements: (s) => [
    `ALTER TABLE ${s}.webhooks ADD COLUMN IF NOT EXISTS previous_secret text DEFAULT NULL`,
    `ALTER TABLE ${s}.webhooks ADD COLUMN IF NOT EXISTS previous_secret_expires_at int8 DEFAULT NULL`,
  ],
};
