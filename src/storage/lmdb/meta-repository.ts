// Small named settings (the admin key hash, the schema version, the first start's marker), as strings.

import type { MetaRepository } from "../store";
import type { Databases } from "./lmdb-databases";
import type { ReadCaches } from "./read-cache";
import { settled } from "./sync-read";
import type { WriteBatcher } from "./write-batcher";

export function metaRepository(dbs: Databases, writer: WriteBatcher, caches: ReadCaches): MetaRepository {
  const changed = () => caches.meta.clear();
  return {
    get: (key) => settled(() => caches.meta.get(key, () => dbs.meta.get(key))),
    set: (key, value) => writer.run(() => void dbs.meta.putSync(key, value), changed),
    // Checked and written in one write job: jobs run one after another, so of several claims of
    // one key exactly one finds it absent.
    claim: (key, value) =>
      writer.run(() => {
        if (dbs.meta.get(key) !== undefined) return false;
        dbs.meta.putSync(key, value);
        return true;
      }, changed),
    delete: (key) => writer.run(() => void dbs.meta.removeSync(key), changed),
    entries: (prefix) =>
      settled(() => {
        const out: Array<[string, string]> = [];
        for (const { key, value } of dbs.meta.getRange({ start: prefix })) {
          if (!key.startsWith(prefix)) break;
          out.push([key, value]);
        }
        return out;
      }),
  };
}
