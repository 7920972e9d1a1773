// Small named settings (the admin key hash, the schema version), as strings.

import type { MetaRepository } from "../store";
import type { Databases } from "./lmdb-databases";
import type { WriteBatcher } from "./write-batcher";

export function metaRepository(dbs: Databases, writer: WriteBatcher): MetaRepository {
  return {
    get: (key) => dbs.meta.get(key),
    set: (key, value) => writer.run(() => void dbs.meta.putSync(key, value)),
  };
}
