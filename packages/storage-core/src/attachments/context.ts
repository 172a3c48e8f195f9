import type { AttachmentIndex } from "./attachment-index.js";
import { isForcedToDatabase } from "./force-database.js";
import type { AttachmentSettings } from "./settings.js";
import type { AttachmentLocation, StoreRouter } from "./store-router.js";

/** What the parts of the Attachments service share. */
export interface AttachmentsContext {
  index: AttachmentIndex;
  router: StoreRouter;
  /** The settings in force (options over the index's settings, cached). */
  settings(): Promise<AttachmentSettings>;
  disableObjectStorage: boolean;
}

/**
 * Where bytes of this mimetype and size belong under `settings`: the database when object
 * storage is disabled, or when the location is an object store and the force-DB rule keeps
 * them in the database; else the configured location.
 */
export function placement(
  settings: AttachmentSettings,
  disableObjectStorage: boolean,
  mimetype: string,
  size: number,
): AttachmentLocation {
  const { location, forceDatabase, forceDatabaseCeiling } = settings;
  if (disableObjectStorage) return "db";
  if (
    (location === "s3" || location === "swift") &&
    isForcedToDatabase(forceDatabase, mimetype, size, forceDatabaseCeiling)
  )
    return "db";
  return location;
}
