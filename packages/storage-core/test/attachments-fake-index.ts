import type {
  AttachmentIndex,
  AttachmentRecord,
  HeldLock,
} from "../src/index.js";
import { StorageError, StorageErrorCode } from "../src/index.js";

/**
 * An in-memory AttachmentIndex for unit tests of the service logic above it. The real
 * indexes (SQLite, PostgreSQL) live in @cloud-platform/storage-sql and run the proofs.
 */
export function createFakeIndex(): AttachmentIndex & { garbage: Set<string> } {
  const rows = new Map<string, AttachmentRecord>();
  const garbage = new Set<string>();
  const settings = new Map<string, string>();
  const locks = new Set<string>();
  const count = (ref: string): number =>
    [...rows.values()].filter((r) => r.ref === ref).length;
  const location = (ref: string): string =>
    ref
      .replace(/^(file|db):.*$/s, "$1")
      .replace(/^((s3|swift):\/\/[^/]+)\/.*$/s, "$1");
  const sorted = (): AttachmentRecord[] =>
    [...rows.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    garbage,
    insert: async (r, options = {}) => {
      if (options.confirm && !(await options.confirm()))
        throw new StorageError(StorageErrorCode.NotFound, "bytes vanished");
      const record = { ...r, createdAt: r.createdAt ?? new Date() };
      rows.set(r.id, record);
      return record;
    },
    get: async (id) => rows.get(id),
    list: async (o = {}) =>
      sorted()
        .filter(
          (r) =>
            r.id > (o.after ?? "") &&
            (!o.locations || o.locations.includes(location(r.ref))),
        )
        .slice(0, o.limit ?? 100),
    delete: async (id, { collect }) => {
      const r = rows.get(id);
      if (!r) return undefined;
      rows.delete(id);
      if (collect(r.ref)) garbage.add(r.ref);
      return r;
    },
    countRefs: async (ref) => count(ref),
    withRefLocks: (_refs, fn) =>
      fn({
        countRefs: async (ref) => count(ref),
        dropGarbage: async (ref) => {
          garbage.delete(ref);
        },
      }),
    listGarbage: async (o = {}) =>
      [...garbage]
        .sort()
        .filter((g) => g > (o.after ?? ""))
        .slice(0, o.limit ?? 100),
    claimBatch: async (q, work) => {
      const claimed = sorted()
        .filter(
          (r) =>
            r.id > (q.after ?? "") && q.locations.includes(location(r.ref)),
        )
        .slice(0, q.limit);
      const applied: string[] = [];
      for (const m of claimed.length ? await work(claimed) : []) {
        const row = rows.get(m.id);
        if (!row || row.ref !== m.from || (m.confirm && !(await m.confirm())))
          continue;
        rows.set(m.id, { ...row, ref: m.to });
        applied.push(m.id);
        if (m.collect) garbage.add(m.from);
      }
      return { claimed, applied };
    },
    stats: async () => {
      const by = new Map<
        string,
        { location: string; count: number; bytes: number }
      >();
      for (const r of rows.values()) {
        const s = by.get(location(r.ref)) ?? {
          location: location(r.ref),
          count: 0,
          bytes: 0,
        };
        s.count += 1;
        s.bytes += r.size;
        by.set(s.location, s);
      }
      return [...by.values()];
    },
    getSetting: async (name) => settings.get(name),
    setSetting: async (name, value) => {
      if (value === undefined) settings.delete(name);
      else settings.set(name, value);
    },
    settings: async () => Object.fromEntries(settings),
    acquireLock: async (name): Promise<HeldLock | undefined> => {
      if (locks.has(name)) return undefined;
      locks.add(name);
      return {
        signal: new AbortController().signal,
        release: async () => void locks.delete(name),
      };
    },
    lockHolder: async () => undefined,
  };
}
