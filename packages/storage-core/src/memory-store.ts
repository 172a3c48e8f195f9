import { createHash } from "node:crypto";
import { StorageError, StorageErrorCode } from "./errors.js";
import { defineStore, type StoreDriver } from "./define-store.js";
import type { ListEntry, ObjectInfo, ObjectStore } from "./object-store.js";
import { collect, readableOf, resolveRange } from "./streams.js";

interface Entry {
  data: Buffer;
  contentType: string;
  metadata: Record<string, string>;
  etag: string;
  lastModified: Date;
}

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Ref scheme reported as `kind`. @default 'memory' */
  kind?: string;
  /** Bucket/container name reported as `container`. */
  container?: string;
}

const DEFAULT_TYPE = "application/octet-stream";

/**
 * An {@link ObjectStore} held in process memory: for unit tests of code above stores, and
 * as a stand-in for a bucket in tests. Its contents vanish with the process.
 */
export function createMemoryStore(
  options: MemoryStoreOptions = {},
): ObjectStore {
  const objects = new Map<string, Entry>();
  const find = (key: string): Entry => {
    const entry = objects.get(key);
    if (!entry)
      throw new StorageError(
        StorageErrorCode.NotFound,
        `no object ${JSON.stringify(key)}`,
        { key },
      );
    return entry;
  };
  const info = (key: string, e: Entry): ObjectInfo => ({
    key,
    size: e.data.length,
    contentType: e.contentType,
    etag: e.etag,
    lastModified: e.lastModified,
    metadata: { ...e.metadata },
  });
  const driver: StoreDriver = {
    kind: options.kind ?? "memory",
    async put(key, body, opts) {
      const data = Buffer.isBuffer(body)
        ? Buffer.from(body)
        : await collect(body);
      const etag = createHash("md5").update(data).digest("hex");
      objects.set(key, {
        data,
        contentType: opts.contentType ?? DEFAULT_TYPE,
        metadata: { ...opts.metadata },
        etag,
        lastModified: new Date(),
      });
      return { key, size: data.length, etag };
    },
    get: async (key) => Buffer.from(find(key).data),
    async getStream(key, opts = {}) {
      const { data } = find(key);
      if (!opts.range) return readableOf(data);
      const r = resolveRange(opts.range, data.length, key);
      return readableOf(
        r ? data.subarray(r.start, r.end + 1) : Buffer.alloc(0),
      );
    },
    head: async (key) => info(key, find(key)),
    exists: async (key) => objects.has(key),
    async delete(key) {
      objects.delete(key);
    },
    async *list(prefix = "") {
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix));
      keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      for (const key of keys) {
        const e = objects.get(key);
        if (e)
          yield {
            key,
            size: e.data.length,
            etag: e.etag,
            lastModified: e.lastModified,
          } satisfies ListEntry;
      }
    },
    async copy(from, to) {
      const e = find(from);
      objects.set(to, {
        ...e,
        metadata: { ...e.metadata },
        lastModified: new Date(),
      });
    },
    async deleteMany(keys) {
      for (const key of keys) objects.delete(key);
    },
  };
  if (options.container !== undefined)
    Object.assign(driver, { container: options.container });
  return defineStore(driver);
}
