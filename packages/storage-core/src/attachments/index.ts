export { createAttachments } from "./attachments.js";
export type { Attachments, AttachmentsOptions } from "./attachments.js";
export type {
  AttachmentIndex,
  AttachmentRecord,
  ClaimOptions,
  ClaimQuery,
  ClaimResult,
  HeldLock,
  IndexedRef,
  InsertOptions,
  ListRefsOptions,
  ListRecordsOptions,
  LocationStats,
  LockHolder,
  NewAttachmentRecord,
  RefLockScope,
  RefMove,
  RefReservation,
} from "./attachment-index.js";
export {
  HashingStream,
  contentKey,
  sha256Hex,
  uniqueKey,
  uuidv7,
} from "./content.js";
export {
  DEFAULT_FORCE_DATABASE,
  DEFAULT_FORCE_DATABASE_CEILING,
  forceDatabaseLimit,
  isForcedToDatabase,
  parseForceDatabaseCeiling,
  parseForceDatabaseRule,
} from "./force-database.js";
export type { ForceDatabaseRule } from "./force-database.js";
export type { CollectResult, SweepReport } from "./garbage.js";
export type { FsckFinding, FsckOptions, FsckReport } from "./fsck.js";
export type { GcOptions, GcReport } from "./orphans.js";
export type {
  MigrateOptions,
  MigrationFailure,
  MigrationItem,
  MigrationProgress,
  MigrationReport,
} from "./migration-types.js";
export type { OpenAttachmentOptions, OpenedAttachment } from "./reading.js";
export { readOnlyStore } from "./read-only-store.js";
export { formatRef, parseRef, refLocation } from "./refs.js";
export type { RefScheme, StoreRef } from "./refs.js";
export {
  MIGRATION_LOCK,
  SettingName,
  isAttachmentLocation,
  readAttachmentSettings,
  writeAttachmentSettings,
} from "./settings.js";
export type { AttachmentSettings } from "./settings.js";
export type {
  AttachmentLocation,
  AttachmentStores,
  ObjectStorageStores,
} from "./store-router.js";
export type { CreateAttachmentInput } from "./writing.js";
export type {
  CreateUploadInput,
  DownloadUrlOptions,
  UploadOffer,
} from "./direct-upload.js";
