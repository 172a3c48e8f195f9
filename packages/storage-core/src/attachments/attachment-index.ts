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
   * The {@link AttachmentIndex.collectionEpoch} of the ref, read before its bytes were found
   * in or written to the store. When no other attachment references the ref and the epoch
   * moved since, a collection may have deleted those bytes meanwhile: nothing is inserted,
   * `E_NOT_FOUND` (look again, outside any transaction). With other references the bytes
   * are there (a referenced ref is never collected): no look at the store is needed.
   */
  seenEpoch?: number;
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
}

/** Who claims rows, and how (see {@link AttachmentIndex.claimRows}). */
export interface ClaimOptions {
  /** A unique string per run: the claim's owner, required to reserve and commit. */
  claimant: string;
  /**
   * Take over claims of other claimants too. Only for a caller holding the migration lock:
   * every other claim is then a lost run's. @default false (unclaimed or expired rows only)
   */
  takeOver?: boolean;
  /** How long the claim lasts for claimants that do not take over, in ms. @default 600000 */
  ttlMs?: number;
}

/** A target a claimed row's bytes are about to be written to. */
export interface RefReservation {
  id: string;
  ref: string;
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
  /** How many attachments reference `ref` (or have it reserved) right now. */
  countRefs(ref: string): Promise<number>;
  /** Removes `ref` from the garbage queue. */
  dropGarbage(ref: string): Promise<void>;
  /**
   * Marks `ref` as being collected by `collector` until `untilMs` (queueing it when it was
   * not): while the mark lives, {@link AttachmentIndex.reserveRefs} reports the ref busy and
   * {@link AttachmentIndex.insert} refuses it, because its delete runs outside any
   * transaction and may land at any moment. `false` when another collector's mark lives.
   */
  markCollecting(
    ref: string,
    collector: string,
    untilMs: number,
  ): Promise<boolean>;
  /**
   * Ends `collector`'s mark on `ref`: `deleted` drops the ref from the queue, otherwise it
   * stays queued, unmarked, for the next sweep.
   */
  endCollecting(
    ref: string,
    collector: string,
    deleted: boolean,
  ): Promise<void>;
}

/**
 * Where attachments are indexed (implemented by `@cloud-platform/storage-sql`). Every method
 * is atomic; "committed" below means durable and visible to every other process.
 */
export interface AttachmentIndex {
  /**
   * Inserts a record; committed on return. Takes the ref lock of `record.ref`, so it never
   * interleaves with a {@link withRefLocks} holder deciding the ref is unused, and throws
   * `E_NOT_FOUND` (nothing inserted) while a collection of the ref is under way.
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
  /** How many records reference `ref`, or have it reserved by a claim ({@link reserveRefs}). */
  countRefs(ref: string): Promise<number>;
  /**
   * A number that grows whenever a collection that may have deleted the bytes of `ref` ends
   * (one counter per slice of the refs, so unrelated collections seldom move it). Read it
   * before looking for or storing bytes, and give it to {@link insert} as `seenEpoch`.
   */
  collectionEpoch(ref: string): Promise<number>;
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
   * Claims rows for a migration batch: a committed lease (claimed by / until, taken with
   * `SKIP LOCKED` on PostgreSQL), never a transaction held open while bytes are copied, so a
   * user's delete of a claimed row returns at once. Rows in id order.
   */
  claimRows(
    query: ClaimQuery,
    options: ClaimOptions,
  ): Promise<AttachmentRecord[]>;
  /**
   * Records, under the ref locks of the refs, where claimed rows are about to be written.
   * Until the claim ends a reserved ref counts as a reference ({@link countRefs}), so no
   * collection deletes its bytes while they are copied and committed: the commit needs no
   * look at the store. Committed on return. Returns the refs it could not reserve because
   * a collection of them is under way ({@link RefLockScope.markCollecting}): those rows
   * must be written elsewhere.
   */
  reserveRefs(
    claimant: string,
    reservations: readonly RefReservation[],
  ): Promise<string[]>;
  /**
   * Applies the moves of a claim in one transaction (compare-and-set on the old ref and the
   * claimant, queueing collected refs) and ends the claim of every row in `ids`. Returns
   * the ids of the moves applied (the others changed, were deleted or taken over meanwhile).
   */
  commitClaim(
    claimant: string,
    ids: readonly string[],
    moves: readonly RefMove[],
  ): Promise<string[]>;
  /** Ends the claim of these rows without changing them. */
  releaseClaim(claimant: string, ids: readonly string[]): Promise<void>;
  /**
   * {@link claimRows} (a fresh claimant, no take-over), `work`, then {@link commitClaim}:
   * for tools and tests. When `work` throws, nothing is applied and the error propagates.
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
