export { loadPlatformConfig } from "./config.js";
export type {
  Env,
  LoadConfigOptions,
  PlatformConfig,
  ShutdownConfig,
} from "./config.js";
export { createPlatform } from "./platform.js";
export type { CreatePlatformOptions, Platform } from "./platform.js";
export {
  install,
  installExoscale,
  installOvh,
  installLocation,
} from "./install.js";
export type {
  BrowserAccess,
  InstallOptions,
  InstallResult,
} from "./install.js";
export { createObjectStorage } from "./object-storage.js";
export type { ObjectStorage, ObjectStorageOptions } from "./object-storage.js";
export { readPlatformSettings, refuseMisconfiguration } from "./settings.js";
export type { PlatformSettings } from "./settings.js";
export {
  createStartUpMigration,
  migrateOnUpgrade,
} from "./startup-migration.js";
export type {
  StartUpMigration,
  StartUpMigrationState,
  StartUpMigrationStatus,
} from "./startup-migration.js";
export type { Lifecycle, ServeOptions, ShutdownResult } from "./serve.js";
export { liveHandler, readyHandler } from "./probes.js";
export type { ReadinessGate, ReadyOptions } from "./probes.js";
export { statusHandler } from "./status.js";
export type { StatusProbe } from "./status.js";
export { errorHandler } from "./error-handler.js";
export { runCli, USAGE } from "./cli/run-cli.js";
export type { CommandContext } from "./cli/commands.js";
export { readAppVersion } from "./app-version.js";
export { attachmentsRouter } from "./attachments-router.js";
export { attachmentView } from "./attachment-view.js";
export type {
  AttachmentAccess,
  AttachmentsRouterOptions,
} from "./attachments-router.js";
export { BadRequestError, receiveUpload } from "./attachment-upload.js";
export { sendAttachment } from "./attachment-download.js";
export {
  ATTACHMENT_SECURITY_HEADERS,
  contentDisposition,
  safeContentType,
  setAttachmentHeaders,
} from "./attachment-headers.js";
export { parseRange } from "./http-range.js";
