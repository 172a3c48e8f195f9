import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { PlatformKind } from "@cloud-platform/platform-checks";
import {
  createAttachments,
  createFilesystemStore,
  type Attachments,
} from "@cloud-platform/storage-core";
import {
  createDatabaseStore,
  openIndex,
  type SqlIndex,
} from "@cloud-platform/storage-sql";
import type { PlatformConfig } from "./config.js";
import { createObjectStorage, type ObjectStorage } from "./object-storage.js";

/** Opens the index database named by `DATABASE_URL` (creating a SQLite file's folder). */
export async function openPlatformIndex(
  config: Pick<PlatformConfig, "databaseUrl">,
): Promise<SqlIndex> {
  const url = config.databaseUrl;
  if (!/^postgres(ql)?:/i.test(url) && url !== ":memory:") {
    await mkdir(dirname(url.replace(/^sqlite:(\/\/)?/i, "")), {
      recursive: true,
    });
  }
  return openIndex(url);
}

/** The attachments of a platform and the object storage they use. */
export interface AttachmentsSetup {
  attachments: Attachments;
  objectStorage: ObjectStorage | undefined;
}

/**
 * The Attachments service over the filestore, the database and, when a kind is recorded,
 * its object storage.
 */
export function setUpAttachments(
  config: PlatformConfig,
  index: SqlIndex,
  kind: PlatformKind | undefined,
  options: {
    createContainer?: boolean;
    onWarning?: (message: string) => void;
    partsInFlight?: number;
  } = {},
): AttachmentsSetup {
  const objectStorage = kind
    ? createObjectStorage(kind, config.env, {
        dbName: index.databaseName,
        createContainer: options.createContainer ?? false,
        ...(options.partsInFlight === undefined
          ? {}
          : { partsInFlight: options.partsInFlight }),
        ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      })
    : undefined;
  const attachments = createAttachments({
    index,
    stores: {
      file: createFilesystemStore({ root: config.filestorePath }),
      db: createDatabaseStore(index),
      ...(objectStorage ? { objectStorage: objectStorage.stores } : {}),
    },
    disableObjectStorage: config.disableObjectStorage,
  });
  return { attachments, objectStorage };
}
