import type {
  ObjectStorageStores,
  ObjectStore,
} from "@cloud-platform/storage-core";
import type { PlatformKind } from "@cloud-platform/platform-checks";
import {
  MIN_PART_SIZE,
  createS3Store,
  s3OptionsFromEnv,
} from "@cloud-platform/storage-s3";
import {
  createSwiftStore,
  swiftOptionsFromEnv,
} from "@cloud-platform/storage-swift";
import type { Env } from "./config.js";

/** The object storage of a platform kind, with what the platform does to it. */
export interface ObjectStorage {
  stores: ObjectStorageStores;
  /** Lists one key of the write bucket/container: fails when it is missing or unreachable. */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link createObjectStorage}. */
export interface ObjectStorageOptions {
  /** Replaces `{db}` in the bucket/container name. */
  dbName: string;
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

/**
 * Opens the object storage of `kind` from the operator's variables: `exoscale` → S3
 * (`AWS_*`), `ovh` → Swift (`SWIFT_*`). Foreign buckets/containers (refs of an integration
 * copy) are opened on demand, read-only.
 *
 * @throws the package's config error (`S3ConfigError`, `SwiftConfigError`) listing every problem
 */
export function createObjectStorage(
  kind: PlatformKind,
  env: Env,
  options: ObjectStorageOptions,
): ObjectStorage {
  const opened: ObjectStore[] = [];
  const track = (store: ObjectStore): ObjectStore => {
    opened.push(store);
    return store;
  };
  let stores: ObjectStorageStores;
  if (kind === "exoscale") {
    // An empty AWS_BUCKETNAME means read only: no write store, not a stand-in name.
    const { bucket, ...mappedOptions } = s3OptionsFromEnv(env, {
      dbName: options.dbName,
      bucketOptional: true,
    });
    // Fewer, smaller parts when several files move at once (the S3 minimum part size).
    const base =
      options.partsInFlight === undefined
        ? mappedOptions
        : {
            ...mappedOptions,
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
    const { container: writeContainer, ...mapped } = swiftOptionsFromEnv(env, {
      dbName: options.dbName,
      containerOptional: true,
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    });
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
