import type {
  ObjectStorageStores,
  ObjectStore,
} from "@cloud-platform/storage-core";
import type { PlatformKind } from "@cloud-platform/platform-checks";
import { MIN_PART_SIZE, createS3Store } from "@cloud-platform/storage-s3";
import { createSwiftStore } from "@cloud-platform/storage-swift";
import type { Env } from "./config.js";
import {
  mappedOptions,
  objectStorageOptionsFromEnv,
  type ObjectStorageConfig,
} from "./object-storage-config.js";

/** The object storage of a platform kind, with what the platform does to it. */
export interface ObjectStorage {
  stores: ObjectStorageStores;
  /** Lists one key of the write bucket/container: fails when it is missing or unreachable. */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link openObjectStorage}. */
export interface OpenObjectStorageOptions {
  /** Create our own write bucket/container when missing (only `install` asks for it). @default false */
  createContainer?: boolean;
  /** Told about deprecated variables. */
  onWarning?: (message: string) => void;
  /**
   * S3 multipart parts uploaded at once per object. A migration moves several files at once,
   * so it asks for fewer, minimum-size (5 MiB) parts: about 5 MiB × (this + 1) per file in flight.
   * @default the store's (4)
   */
  partsInFlight?: number;
}

/** Options of {@link createObjectStorage}. */
export interface ObjectStorageOptions extends OpenObjectStorageOptions {
  /** Replaces `{db}` in the bucket/container name. */
  dbName: string;
}

/**
 * Opens the object storage of `kind` from the operator's variables: `exoscale` → S3
 * (`AWS_*`), `ovh` → Swift (`SWIFT_*`). Foreign buckets/containers (refs of an integration
 * copy) are opened on demand, read-only. The platform maps the variables once, in
 * `loadPlatformConfig`, and calls {@link openObjectStorage}; this is for callers holding an
 * environment.
 *
 * @throws the package's config error (`S3ConfigError`, `SwiftConfigError`) listing every problem
 */
export function createObjectStorage(
  kind: PlatformKind,
  env: Env,
  options: ObjectStorageOptions,
): ObjectStorage {
  const { dbName, ...rest } = options;
  return openObjectStorage(
    kind,
    objectStorageOptionsFromEnv(env, dbName),
    rest,
  );
}

/**
 * Opens the object storage of `kind` from options already mapped (`config.objectStorage`
 * of `loadPlatformConfig`). An unset write bucket/container means read only: no write store.
 *
 * @throws the package's config error (`S3ConfigError`, `SwiftConfigError`) listing every problem
 */
export function openObjectStorage(
  kind: PlatformKind,
  config: ObjectStorageConfig,
  options: OpenObjectStorageOptions = {},
): ObjectStorage {
  const opened: ObjectStore[] = [];
  const track = (store: ObjectStore): ObjectStore => {
    opened.push(store);
    return store;
  };
  let stores: ObjectStorageStores;
  if (kind === "exoscale") {
    // An empty AWS_BUCKETNAME means read only: no write store, not a stand-in name.
    const { bucket, ...s3Options } = mappedOptions(config.s3);
    // Fewer, smaller parts when several files move at once (the S3 minimum part size).
    const base =
      options.partsInFlight === undefined
        ? s3Options
        : {
            ...s3Options,
            multipart: {
              queueSize: options.partsInFlight,
              partSize: MIN_PART_SIZE,
            },
          };
    stores = {
      kind: "s3",
      open: (bucket) => track(createS3Store({ ...base, bucket })),
      ...(bucket !== undefined
        ? {
            write: track(
              createS3Store({
                ...base,
                bucket,
                createBucket: options.createContainer ?? false,
              }),
            ),
          }
        : {}),
    };
  } else {
    // An empty SWIFT_WRITE_CONTAINER means read only: no write store.
    const { container: writeContainer, ...mapped } = mappedOptions(
      config.swift,
    );
    for (const warning of config.swiftWarnings) options.onWarning?.(warning);
    const base = {
      ...mapped,
      // Direct uploads and downloads sign TempURLs with the key `install` keeps on the container.
      containerTempUrlKey: true,
    };
    stores = {
      kind: "swift",
      open: (container) => track(createSwiftStore({ ...base, container })),
      ...(writeContainer !== undefined
        ? {
            write: track(
              createSwiftStore({
                ...base,
                container: writeContainer,
                createContainer: options.createContainer ?? false,
              }),
            ),
          }
        : {}),
    };
  }
  return {
    stores,
    async probe() {
      if (!stores.write) return;
      const listing = stores.write.list("", { pageSize: 1 });
      const entries = listing[Symbol.asyncIterator]();
      await entries.next();
      await entries.return?.();
    },
    async close() {
      await Promise.all(opened.map(async (store) => store.close?.()));
    },
  };
}
