import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { PlatformKind } from "@cloud-platform/platform-checks";
import {
  createAttachments,
  createFilesystemStore,
  instrumentStore,
  type Attachments,
  type ObjectStorageStores,
  type ObjectStore,
  type StoreObserver,
} from "@cloud-platform/storage-core";
import {
  createDatabaseStore,
  openIndex,
  type OpenIndexOptions,
  type SqlIndex,
} from "@cloud-platform/storage-sql";
import type { PlatformConfig } from "./config.js";
import { openObjectStorage, type ObjectStorage } from "./object-storage.js";

/**
 * Opens the index database named by `DATABASE_URL` (creating a SQLite file's folder).
 * `sqliteCacheKiB`: the SQLite page cache, for commands that scan the whole index once.
 */
export async function openPlatformIndex(
  config: Pick<PlatformConfig, "databaseUrl">,
  options: Pick<OpenIndexOptions, "sqliteCacheKiB"> = {},
): Promise<SqlIndex> {
  const url = config.databaseUrl;
  if (!/^postgres(ql)?:/i.test(url) && url !== ":memory:") {
    await mkdir(dirname(url.replace(/^sqlite:(\/\/)?/i, "")), {
      recursive: true,
    });
  }
  return openIndex(url, options);
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
  config: Pick<
    PlatformConfig,
    "objectStorage" | "filestorePath" | "disableObjectStorage"
  >,
  index: SqlIndex,
  kind: PlatformKind | undefined,
  options: {
    createContainer?: boolean;
    onWarning?: (message: string) => void;
    partsInFlight?: number;
    /** Times and counts every request to every store (the platform's metrics). */
    observer?: StoreObserver;
  } = {},
): AttachmentsSetup {
  const objectStorage = kind
    ? openObjectStorage(kind, config.objectStorage, {
        createContainer: options.createContainer ?? false,
        ...(options.partsInFlight === undefined
          ? {}
          : { partsInFlight: options.partsInFlight }),
        ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      })
    : undefined;
  const { observer } = options;
  const watch = (store: ObjectStore): ObjectStore =>
    observer ? instrumentStore(store, observer) : store;
  const attachments = createAttachments({
    index,
    stores: {
      file: watch(createFilesystemStore({ root: config.filestorePath })),
      db: watch(createDatabaseStore(index)),
      ...(objectStorage
        ? { objectStorage: watchObjectStorage(objectStorage.stores, watch) }
        : {}),
    },
    disableObjectStorage: config.disableObjectStorage,
  });
  return { attachments, objectStorage };
}

/** The object storage's stores, each one (and each one opened later) through `watch`. */
function watchObjectStorage(
  stores: ObjectStorageStores,
  watch: (store: ObjectStore) => ObjectStore,
): ObjectStorageStores {
  const { open, write } = stores;
  return {
    kind: stores.kind,
    ...(write ? { write: watch(write) } : {}),
    ...(open ? { open: (container: string) => watch(open(container)) } : {}),
  };
}
