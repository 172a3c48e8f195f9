/** One attachment as the index stores it. */
export interface AttachmentRecord {
  /** Time-ordered UUID (v7): listing by id lists by creation. */
  id: string;
  name: string;
  mimetype: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the bytes, lower-case hex. */
  checksum: string;
  /** Where the bytes live: `s3://b/k`, `swift://c/k`, `file:k` or `db:k`. */
  ref: string;
  createdAt: Date;
}

/** What {@link AttachmentIndex.insert} receives. */
export type NewAttachmentRecord = Omit<AttachmentRecord, "createdAt"> & {
  createdAt?: Date;
};

/** Options of {@link AttachmentIndex.insert}. */
export interface InsertOptions {
  /**
   * Called in the inserting transaction, under the ref lock, just before the insert: `false`
   * (the bytes vanished since they were stored) inserts nothing and throws `E_NOT_FOUND`.
   */
  confirm?: () => Promise<boolean>;
}

/** One ref with what the index knows of it, as {@link AttachmentIndex.listRefs} yields it. */
export interface IndexedRef {
  ref: string;
  /** The attachments referencing it (at least one). */
  ids: string[];
  /** The recorded sizes of those attachments (one value unless the rows disagree). */
  sizes: number[];
}

/** Options of {@link AttachmentIndex.listRefs}. */
export interface ListRefsOptions {
  /** Only refs starting with this prefix (`s3://bucket/`, `file:`, …). */
  prefix?: string;
  /** Only refs strictly greater than this one. */
  after?: string;
  /** @default 1000 */
  limit?: number;
}

/** Options of {@link AttachmentIndex.list}. */
export interface ListRecordsOptions {
  /** Only ids strictly greater than this one (keyset paging). */
  after?: string;
  /** @default 100 */
  limit?: number;
  /** Only attachments in these locations (`file`, `db`, `s3://bucket`, …). */
  locations?: readonly string[];
}

/** A ref change the migration asks the index to apply. */
export interface RefMove {
  id: string;
  /** The ref the row must still have; otherwise the move is not applied. */
  from: string;
  to: string;
  /** Queue `from` for garbage collection (the old bytes are ours to delete once unused). */
  collect: boolean;
  /**
   * Called in the applying transaction, under the ref lock of `to`, just before the change:
   * `false` (the copy vanished meanwhile) leaves the row as it was.
   */
  confirm?: () => Promise<boolean>;
}

/** Which rows a migration batch claims. */
export interface ClaimQuery {
  locations: readonly string[];
  /** Only ids strictly greater than this one. */
  after?: string;
  limit: number;
}

/** What {@link AttachmentIndex.claimBatch} reports. */
export interface ClaimResult {
  /** The rows claimed (empty when there is nothing left). */
  claimed: readonly AttachmentRecord[];
  /** Ids of the moves applied (the others changed meanwhile, or were deleted). */
  applied: readonly string[];
}

/** Who holds a lock, for `status` output. */
export interface LockHolder {
  holder: string;
  pid: number;
  hostname: string;
  acquiredAt: Date;
  heartbeatAt: Date;
}

/** A held lock. */
export interface HeldLock {
  /** Aborted when the lock is lost (connection gone, heartbeat failed). */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/** Count and bytes of the attachments in one location. */
export interface LocationStats {
  location: string;
  count: number;
  bytes: number;
}

/** What ref locks let their holder do while nobody can add a reference to those refs. */
export interface RefLockScope {
  /** How many attachments reference `ref` right now. */
  countRefs(ref: string): Promise<number>;
  /** Removes `ref` from the garbage queue. */
  dropGarbage(ref: string): Promise<void>;
}

/**
 * Where attachments are indexed (implemented by `@cloud-platform/storage-sql`). Every method
 * is atomic; "committed" below means durable and visible to every other process.
 */
export interface AttachmentIndex {
  /**
   * Inserts a record; committed on return. Takes the ref lock of `record.ref`, so it never
   * interleaves with a {@link withRefLocks} holder deciding the ref is unused.
   */
  insert(
    record: NewAttachmentRecord,
    options?: InsertOptions,
  ): Promise<AttachmentRecord>;
  get(id: string): Promise<AttachmentRecord | undefined>;
  /** Records in id (= creation) order. */
  list(options?: ListRecordsOptions): Promise<AttachmentRecord[]>;
  /**
   * Deletes the record and, when `collect(ref)` says so for the ref it had at that moment,
   * queues the ref for garbage collection, in one transaction. Returns the deleted record,
   * or `undefined` when there was none.
   */
  delete(
    id: string,
    options: { collect: (ref: string) => boolean },
  ): Promise<AttachmentRecord | undefined>;
  /** How many records reference `ref`. */
  countRefs(ref: string): Promise<number>;
  /**
   * Runs `fn` in one transaction while no other process can insert a record with one of
   * `refs`, move a record to one of them, or hold their locks: the place to decide that
   * bytes are unused and delete them.
   */
  withRefLocks<T>(
    refs: readonly string[],
    fn: (scope: RefLockScope) => Promise<T>,
  ): Promise<T>;
  /** Refs queued for garbage collection, in order, after `after`. */
  listGarbage(options?: { after?: string; limit?: number }): Promise<string[]>;
  /**
   * Claims rows for a migration batch (PostgreSQL: `FOR UPDATE SKIP LOCKED`, held while
   * `work` runs), lets `work` copy their bytes, then applies the moves it returns in one
   * transaction (ref locks of every `to`, `confirm`, compare-and-set on the old ref,
   * queueing collected refs) and commits.
   * When `work` throws, nothing is applied and the error propagates.
   */
  claimBatch(
    query: ClaimQuery,
    work: (rows: readonly AttachmentRecord[]) => Promise<RefMove[]>,
  ): Promise<ClaimResult>;
  /** Count and bytes per location. */
  stats(): Promise<LocationStats[]>;
  getSetting(name: string): Promise<string | undefined>;
  /** Sets a setting; `undefined` removes it. */
  setSetting(name: string, value: string | undefined): Promise<void>;
  /** Every setting. */
  settings(): Promise<Record<string, string>>;
  /**
   * A value that changes whenever a setting changes, cheap to read (one row): front-ends
   * poll it to see `install` move the location without a restart.
   */
  settingsVersion?(): Promise<string>;
  /**
   * Distinct refs in byte order with the attachments using them: one side of the merge
   * `fsck` runs against a store listing.
   */
  listRefs?(options?: ListRefsOptions): Promise<IndexedRef[]>;
  /**
   * Takes the named cross-process lock, or returns `undefined` when another holder has it.
   * The lock is released on `release()`, and also when the holding process dies.
   */
  acquireLock(name: string, holder?: string): Promise<HeldLock | undefined>;
  /** Who holds the named lock, or `undefined`. */
  lockHolder(name: string): Promise<LockHolder | undefined>;
}
