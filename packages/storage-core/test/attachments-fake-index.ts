import type {
  AttachmentIndex,
  AttachmentRecord,
  HeldLock,
  RefMove,
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
  const claims = new Map<string, { by: string; ref?: string }>();
  const collecting = new Map<string, string>();
  // One slice for every ref: any ended collection moves it.
  let epoch = 0;
  const count = (ref: string): number =>
    [...rows.values()].filter((r) => r.ref === ref).length +
    [...claims.values()].filter((c) => c.ref === ref).length;
  const commit = (
    claimant: string,
    ids: readonly string[],
    moves: readonly RefMove[],
  ): string[] => {
    const applied: string[] = [];
    for (const m of moves) {
      const row = rows.get(m.id);
      if (!row || row.ref !== m.from || claims.get(m.id)?.by !== claimant)
        continue;
      rows.set(m.id, { ...row, ref: m.to });
      applied.push(m.id);
      if (m.collect) garbage.add(m.from);
    }
    for (const id of ids) claims.delete(id);
    return applied;
  };
  const location = (ref: string): string =>
    ref
      .replace(/^(file|db):.*$/s, "$1")
      .replace(/^((s3|swift):\/\/[^/]+)\/.*$/s, "$1");
  const sorted = (): AttachmentRecord[] =>
    [...rows.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    garbage,
    insert: async (r, options = {}) => {
      if (
        collecting.has(r.ref) ||
        (options.seenEpoch !== undefined &&
          count(r.ref) === 0 &&
          options.seenEpoch !== epoch)
      )
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
      claims.delete(id);
      if (collect(r.ref)) garbage.add(r.ref);
      return r;
    },
    countRefs: async (ref) => count(ref),
    collectionEpoch: async () => epoch,
    withRefLocks: (_refs, fn) =>
      fn({
        countRefs: async (ref) => count(ref),
        dropGarbage: async (ref) => {
          garbage.delete(ref);
        },
        markCollecting: async (ref, collector) => {
          const by = collecting.get(ref);
          if (by !== undefined && by !== collector) return false;
          garbage.add(ref);
          collecting.set(ref, collector);
          return true;
        },
        endCollecting: async (ref, collector, deleted) => {
          if (collecting.get(ref) !== collector) return;
          collecting.delete(ref);
          epoch += 1;
          if (deleted) garbage.delete(ref);
        },
      }),
    listGarbage: async (o = {}) =>
      [...garbage]
        .sort()
        .filter((g) => g > (o.after ?? ""))
        .slice(0, o.limit ?? 100),
    claimRows: async (q, o) => {
      const claimed = sorted()
        .filter(
          (r) =>
            r.id > (q.after ?? "") && q.locations.includes(location(r.ref)),
        )
        .slice(0, q.limit);
      for (const r of claimed) claims.set(r.id, { by: o.claimant });
      return claimed;
    },
    reserveRefs: async (claimant, reservations) => {
      const busy: string[] = [];
      for (const r of reservations) {
        if (collecting.has(r.ref)) busy.push(r.ref);
        else if (claims.get(r.id)?.by === claimant)
          claims.set(r.id, { by: claimant, ref: r.ref });
      }
      return busy;
    },
    commitClaim: async (claimant, ids, moves) => commit(claimant, ids, moves),
    releaseClaim: async (_claimant, ids) => {
      for (const id of ids) claims.delete(id);
    },
    claimBatch: async (q, work) => {
      const claimed = sorted()
        .filter(
          (r) =>
            r.id > (q.after ?? "") && q.locations.includes(location(r.ref)),
        )
        .slice(0, q.limit);
      for (const r of claimed) claims.set(r.id, { by: "batch" });
      const moves = claimed.length ? await work(claimed) : [];
      const applied = commit(
        "batch",
        claimed.map((r) => r.id),
        moves,
      );
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
