import type {
  AttachmentIndex,
  AttachmentRecord,
  ListRecordsOptions,
  LocationStats,
} from "./attachment-index.js";
import type { AttachmentsContext } from "./context.js";
import {
  parseForceDatabaseCeiling,
  parseForceDatabaseRule,
  type ForceDatabaseRule,
} from "./force-database.js";
import { cachedSettings } from "./settings-cache.js";
import { collectRef, sweepGarbage, type SweepReport } from "./garbage.js";
import { checkStorage, type FsckOptions, type FsckReport } from "./fsck.js";
import { collectOrphans, type GcOptions, type GcReport } from "./orphans.js";
import {
  emptyReport,
  forceDatabasePlan,
  migrationPlan,
  runPlan,
} from "./migration.js";
import type { MigrateOptions, MigrationReport } from "./migration-types.js";
import {
  openAttachment,
  readAttachment,
  requireRecord,
  type OpenAttachmentOptions,
  type OpenedAttachment,
} from "./reading.js";
import { parseRef } from "./refs.js";
import {
  SettingName,
  readAttachmentSettings,
  type AttachmentSettings,
} from "./settings.js";
import {
  createStoreRouter,
  type AttachmentLocation,
  type AttachmentStores,
} from "./store-router.js";
import {
  checkInput,
  createAttachment,
  type CreateAttachmentInput,
} from "./writing.js";
import {
  cancelUpload,
  collectExpiredUploads,
  completeUpload,
  createUpload,
  downloadUrl,
  type CreateUploadInput,
  type DownloadUrlOptions,
  type UploadOffer,
} from "./direct-upload.js";

/** Options of {@link createAttachments}. */
export interface AttachmentsOptions {
  /** The attachment index (`openIndex()` of `@cloud-platform/storage-sql`). Required. */
  index: AttachmentIndex;
  /** The stores refs point into, by scheme. Required. */
  stores: AttachmentStores;
  /** Where new bytes go. @default the `attachment.location` setting, else `'file'` */
  location?: AttachmentLocation;
  /** The force-DB rule. @default the `attachment.forceDatabase` setting, else `DEFAULT_FORCE_DATABASE` */
  forceDatabase?: ForceDatabaseRule;
  /**
   * Bytes the force-DB rule keeps in the database at most (the rule's `0` means this many).
   * @default the `attachment.forceDatabaseCeiling` setting, else `DEFAULT_FORCE_DATABASE_CEILING` (4 MiB)
   */
  forceDatabaseCeiling?: number;
  /**
   * How often, at most, the settings version in the index is checked (one row read) before
   * using the cached settings: a location change by `install` is seen within this delay.
   * @default 2000
   */
  settingsRefreshMs?: number;
  /**
   * The `DISABLE_ATTACHMENT_STORAGE` kill switch: new files go to the database, migrations
   * are skipped, stored files stay readable. @default false
   */
  disableObjectStorage?: boolean;
}

/** Where attachments are created, read, deleted and moved. */
export interface Attachments {
  /**
   * Stores the bytes, then commits the record. A Buffer is stored content-addressed (same
   * bytes, same object); a stream under a unique key, hashed on the way.
   *
   * @throws StorageError `E_INVALID_ARGUMENT` (name, mimetype), `E_INTEGRITY` (size
   *   mismatch, truncated stream), `E_TOO_LARGE`, `E_ABORTED`, `E_NOT_CONFIGURED` (no store
   *   for the location); the index is unchanged then.
   */
  create(input: CreateAttachmentInput): Promise<AttachmentRecord>;
  /**
   * Reserves an attachment for a direct upload and signs where the browser PUTs the bytes,
   * or answers `{ direct: false }` (send them through the app: location file|db, kill
   * switch, force-DB rule, a store that cannot sign). Not listed until completed.
   * @throws StorageError `E_INVALID_ARGUMENT` (name, mimetype, size, checksum)
   */
  createUpload(input: CreateUploadInput): Promise<UploadOffer>;
  /**
   * Verifies a direct upload (exists, size, content type, SHA-256) and records it.
   * @throws StorageError `E_NOT_FOUND` (unknown or expired), `E_INVALID_ARGUMENT` (mismatch: the object is deleted)
   */
  completeUpload(id: string): Promise<AttachmentRecord>;
  /**
   * A short-lived signed GET URL for an attachment kept in an object store (the download's
   * file name set), or `undefined` when its bytes are elsewhere or the store cannot sign.
   * Takes the id, or the record a caller already read (`get`), which saves reading it again.
   * @throws StorageError `E_NOT_FOUND`
   */
  downloadUrl(
    attachment: string | AttachmentRecord,
    options?: DownloadUrlOptions,
  ): Promise<string | undefined>;
  /** Gives up a pending upload (its object too). False when there was none. */
  cancelUpload(id: string): Promise<boolean>;
  /** Deletes expired pending uploads and their objects; returns how many. */
  collectExpiredUploads(): Promise<number>;
  /** The record. @throws StorageError `E_NOT_FOUND` */
  get(id: string): Promise<AttachmentRecord>;
  /** Records in creation order, paged with `after`. */
  list(options?: ListRecordsOptions): Promise<AttachmentRecord[]>;
  /** The whole bytes, verified. @throws StorageError `E_NOT_FOUND`, `E_INTEGRITY`, `E_NOT_CONFIGURED` */
  read(id: string, options?: { signal?: AbortSignal }): Promise<Buffer>;
  /** A stream for HTTP (range, size, mimetype, etag). @throws StorageError `E_NOT_FOUND`, `E_INVALID_RANGE`, `E_NOT_CONFIGURED` */
  open(id: string, options?: OpenAttachmentOptions): Promise<OpenedAttachment>;
  /**
   * Deletes the record (committed first), then the bytes when they are ours and unused.
   * Returns false when there was no such attachment.
   */
  delete(id: string): Promise<boolean>;
  /** Moves files to where they belong now (see {@link MigrateOptions}). */
  migrate(options?: MigrateOptions): Promise<MigrationReport>;
  /** Moves the files the force-DB rule keeps in the database back into it. */
  forceDatabase(
    options?: Omit<MigrateOptions, "includeDatabase">,
  ): Promise<MigrationReport>;
  /** True when the recorded app version differs from `currentVersion` (or none is recorded): an upgrade. */
  shouldMigrateOnStart(currentVersion: string): Promise<boolean>;
  /** Records the running app version (after the start-up migration). */
  recordVersion(version: string): Promise<void>;
  /** Deletes unused bytes left queued by an interrupted delete or migration. */
  collectGarbage(options?: { signal?: AbortSignal }): Promise<SweepReport>;
  /**
   * Checks every ref against its store by listing (see {@link checkStorage}): missing
   * objects, size mismatches, unreadable locations, and orphans in our own write bucket.
   */
  fsck(options?: FsckOptions): Promise<FsckReport>;
  /**
   * Deletes orphans of our own write bucket older than the grace period, each batch
   * re-checked under its ref locks (see {@link collectOrphans}).
   */
  gc(options?: GcOptions): Promise<GcReport>;
  /** Count and bytes per location. */
  stats(): Promise<LocationStats[]>;
  /** The settings in force. */
  settings(): Promise<AttachmentSettings>;
  /** Reads the settings again from the index (after `install` changed them). */
  reloadSettings(): Promise<AttachmentSettings>;
}

/**
 * Creates the Attachments service.
 *
 * @throws StorageError `E_INVALID_ARGUMENT` when the options are malformed (a write store
 *   without a bucket, a bad force-DB rule).
 */
export function createAttachments(options: AttachmentsOptions): Attachments {
  const { index } = options;
  const router = createStoreRouter(options.stores);
  const fixedRule =
    options.forceDatabase === undefined
      ? undefined
      : parseForceDatabaseRule(options.forceDatabase);
  const fixedCeiling =
    options.forceDatabaseCeiling === undefined
      ? undefined
      : parseForceDatabaseCeiling(options.forceDatabaseCeiling);
  const settings = cachedSettings(
    index,
    async () => {
      const stored = await readAttachmentSettings(index);
      return {
        location: options.location ?? stored.location,
        forceDatabase: fixedRule ?? stored.forceDatabase,
        forceDatabaseCeiling: fixedCeiling ?? stored.forceDatabaseCeiling,
      };
    },
    options.settingsRefreshMs ?? 2000,
  );
  const ctx: AttachmentsContext = {
    index,
    router,
    settings: () => settings.get(),
    disableObjectStorage: options.disableObjectStorage ?? false,
  };
  const skipped = (target: string, dryRun: boolean): MigrationReport => ({
    ...emptyReport(target, dryRun),
    status: "skipped",
    reason: "object storage is disabled (DISABLE_ATTACHMENT_STORAGE)",
  });
  return {
    create: (input) => createAttachment(ctx, input),
    createUpload: (input) => createUpload(ctx, input, checkInput(input)),
    completeUpload: (id) => completeUpload(ctx, id),
    cancelUpload: (id) => cancelUpload(ctx, id),
    downloadUrl: async (attachment, opts) =>
      downloadUrl(
        ctx,
        typeof attachment === "string"
          ? await requireRecord(ctx, attachment)
          : attachment,
        opts,
      ),
    collectExpiredUploads: () => collectExpiredUploads(ctx),
    get: (id) => requireRecord(ctx, id),
    list: (opts) => index.list(opts),
    read: (id, opts) => readAttachment(ctx, id, opts?.signal),
    open: (id, opts) => openAttachment(ctx, id, opts),
    delete: async (id) => {
      const owned = (ref: string): boolean => {
        try {
          return router.isOwned(parseRef(ref));
        } catch {
          return false;
        }
      };
      const record = await index.delete(id, { collect: owned });
      if (!record) return false;
      // The row is gone for good; a failed byte deletion stays queued for collectGarbage.
      if (owned(record.ref))
        await collectRef(ctx, record.ref).catch(() => false);
      return true;
    },
    migrate: async (opts = {}) => {
      if (ctx.disableObjectStorage)
        return skipped((await settings.get()).location, opts.dryRun ?? false);
      return runPlan(
        ctx,
        await migrationPlan(ctx, opts.includeDatabase ?? false),
        opts,
      );
    },
    forceDatabase: async (opts = {}) =>
      runPlan(ctx, await forceDatabasePlan(ctx), opts),
    shouldMigrateOnStart: async (version) =>
      (await index.getSetting(SettingName.AppVersion)) !== version,
    recordVersion: (version) =>
      index.setSetting(SettingName.AppVersion, version),
    collectGarbage: (opts = {}) => sweepGarbage(ctx, opts.signal),
    fsck: (opts) => checkStorage(ctx, opts),
    gc: (opts) => collectOrphans(ctx, opts),
    stats: () => index.stats(),
    settings: () => settings.get(),
    reloadSettings: () => settings.reload(),
  };
}
