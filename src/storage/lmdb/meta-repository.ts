// Small named settings (the admin key hash, the schema version), as strings.

import type { MetaRepository } from "../store";
import type { Databases } from "./lmdb-databases";
import type { ReadCaches } from "./read-cache";
import type { WriteBatcher } from "./write-batcher";

export function metaRepository(dbs: Databases, writer: WriteBatcher, caches: ReadCaches): MetaRepository {
  return {
    get: (key) => caches.meta.get(key, () => dbs.meta.get(key)),
    set: (key, value) =>
      writer.run(
        () => void dbs.meta.putSync(key, value),
        () => caches.meta.clear(),
      ),
  };
}
