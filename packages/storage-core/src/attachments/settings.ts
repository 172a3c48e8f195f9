import { StorageError, StorageErrorCode } from "../errors.js";
import type { AttachmentIndex } from "./attachment-index.js";
import {
  DEFAULT_FORCE_DATABASE,
  DEFAULT_FORCE_DATABASE_CEILING,
  parseForceDatabaseCeiling,
  parseForceDatabaseRule,
  type ForceDatabaseRule,
} from "./force-database.js";
import type { AttachmentLocation } from "./store-router.js";

/** Names of the settings kept in the index database. */
export const SettingName = {
  /** Where new bytes go: `file`, `db`, `s3` or `swift`. */
  Location: "attachment.location",
  /** The force-DB rule, JSON `{"mimetype/prefix": maxBytes}`. */
  ForceDatabase: "attachment.forceDatabase",
  /** Bytes the force-DB rule keeps in the database at most (its `0` means this). */
  ForceDatabaseCeiling: "attachment.forceDatabaseCeiling",
  /** The recorded platform kind (`exoscale`, `ovh`). */
  Kind: "cloud_platform.kind",
  /** The app version recorded at the last start (upgrade detection). */
  AppVersion: "app.version",
} as const;

/** Name of the migration lock (see {@link AttachmentIndex.acquireLock}). */
export const MIGRATION_LOCK = "attachment.migration";

const LOCATIONS: readonly string[] = ["file", "db", "s3", "swift"];

/** Whether `value` is an {@link AttachmentLocation}. */
export function isAttachmentLocation(
  value: unknown,
): value is AttachmentLocation {
  return typeof value === "string" && LOCATIONS.includes(value);
}

/** The attachment settings as the service uses them. */
export interface AttachmentSettings {
  /** @default 'file' (the embedded default, when nothing is recorded) */
  location: AttachmentLocation;
  /** @default {@link DEFAULT_FORCE_DATABASE} */
  forceDatabase: ForceDatabaseRule;
  /** @default {@link DEFAULT_FORCE_DATABASE_CEILING} */
  forceDatabaseCeiling: number;
}

/**
 * Reads `attachment.location` and `attachment.forceDatabase`, with their defaults.
 *
 * @throws StorageError `E_INVALID_ARGUMENT` when a stored value is malformed.
 */
export async function readAttachmentSettings(
  index: AttachmentIndex,
): Promise<AttachmentSettings> {
  const [location, rule, ceiling] = await Promise.all([
    index.getSetting(SettingName.Location),
    index.getSetting(SettingName.ForceDatabase),
    index.getSetting(SettingName.ForceDatabaseCeiling),
  ]);
  if (location !== undefined && !isAttachmentLocation(location)) {
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      `setting ${SettingName.Location} is "${location}"; expected file, db, s3 or swift`,
    );
  }
  return {
    location: location ?? "file",
    forceDatabase:
      rule === undefined
        ? DEFAULT_FORCE_DATABASE
        : parseForceDatabaseRule(rule),
    forceDatabaseCeiling:
      ceiling === undefined
        ? DEFAULT_FORCE_DATABASE_CEILING
        : parseForceDatabaseCeiling(ceiling),
  };
}

/**
 * Records the attachment settings given (others untouched).
 *
 * @throws StorageError `E_INVALID_ARGUMENT` for an unknown location or a malformed rule.
 */
export async function writeAttachmentSettings(
  index: AttachmentIndex,
  settings: Partial<AttachmentSettings>,
): Promise<void> {
  if (settings.location !== undefined) {
    if (!isAttachmentLocation(settings.location)) {
      throw new StorageError(
        StorageErrorCode.InvalidArgument,
        `unknown attachment location "${String(settings.location)}"`,
      );
    }
    await index.setSetting(SettingName.Location, settings.location);
  }
  if (settings.forceDatabase !== undefined) {
    await index.setSetting(
      SettingName.ForceDatabase,
      JSON.stringify(parseForceDatabaseRule(settings.forceDatabase)),
    );
  }
  if (settings.forceDatabaseCeiling !== undefined) {
    await index.setSetting(
      SettingName.ForceDatabaseCeiling,
      String(parseForceDatabaseCeiling(settings.forceDatabaseCeiling)),
    );
  }
}
