import { StorageError, StorageErrorCode } from "../errors.js";
import type { ObjectStore } from "../object-store.js";
import { readOnlyStore } from "./read-only-store.js";
import { formatRef, type StoreRef } from "./refs.js";

/** Where new bytes go: the value of the `attachment.location` setting. */
export type AttachmentLocation = "file" | "db" | "s3" | "swift";

/** The object storage of this instance (S3 on exoscale, Swift on ovh). */
export interface ObjectStorageStores {
  kind: "s3" | "swift";
  /** The store of our write bucket/container (its `container` must be set). Absent: read-only. */
  write?: ObjectStore;
  /**
   * Opens another bucket/container of the same service, to read refs that point there (an
   * integration copy reading prod's objects). The result is wrapped read-only.
   */
  open?: (container: string) => ObjectStore;
}

/** The stores attachments can live in, by ref scheme. */
export interface AttachmentStores {
  /** The local filestore (`file:` refs). */
  file?: ObjectStore;
  /** The database store (`db:` refs), from `@cloud-platform/storage-sql`. */
  db?: ObjectStore;
  /** The object storage (`s3://` or `swift://` refs). */
  objectStorage?: ObjectStorageStores;
}

/** A store and the ref of a key in it. */
export interface WriteTarget {
  store: ObjectStore;
  location: AttachmentLocation;
  ref(key: string): string;
}

function notConfigured(what: string, ref?: string): StorageError {
  return new StorageError(
    StorageErrorCode.NotConfigured,
    ref === undefined
      ? `${what} is not configured`
      : `cannot use ${ref}: ${what} is not configured`,
  );
}

/** Resolves refs to stores, and locations to write targets. */
export interface StoreRouter {
  /** The store to read `ref` from (foreign buckets read-only). @throws `E_NOT_CONFIGURED` */
  forRead(ref: StoreRef): ObjectStore;
  /** Where a location writes. @throws `E_NOT_CONFIGURED` */
  writeTarget(location: AttachmentLocation): WriteTarget;
  /** Whether the bytes of `ref` are ours to delete (our filestore, database or write bucket). */
  isOwned(ref: StoreRef): boolean;
  /** The location of our object write bucket/container (`s3://b`, `swift://c`), when there is one. */
  ownedObjectLocation(): string | undefined;
}

/** Builds the {@link StoreRouter} of a stores configuration. */
export function createStoreRouter(stores: AttachmentStores): StoreRouter {
  const opened = new Map<string, ObjectStore>();
  const object = stores.objectStorage;
  const writeContainer = object?.write?.container;
  if (object?.write && writeContainer === undefined) {
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      `the ${object.kind} write store has no bucket/container`,
    );
  }
  const forRead = (ref: StoreRef): ObjectStore => {
    const text = formatRef(ref);
    if (ref.scheme === "file")
      return (
        stores.file ??
        fail(notConfigured("the local filestore (stores.file)", text))
      );
    if (ref.scheme === "db")
      return (
        stores.db ?? fail(notConfigured("the database store (stores.db)", text))
      );
    if (object?.kind !== ref.scheme)
      throw notConfigured(`${ref.scheme} object storage`, text);
    if (ref.container === writeContainer && object.write) return object.write;
    const container = ref.container ?? "";
    let store = opened.get(container);
    if (!store) {
      if (!object.open)
        throw notConfigured(
          `reading the foreign ${ref.scheme} bucket/container "${container}" (objectStorage.open)`,
          text,
        );
      store = readOnlyStore(object.open(container));
      opened.set(container, store);
    }
    return store;
  };
  const writeTarget = (location: AttachmentLocation): WriteTarget => {
    if (location === "file" || location === "db") {
      const store =
        stores[location] ??
        fail(
          notConfigured(
            location === "file"
              ? "the local filestore (stores.file)"
              : "the database store (stores.db)",
          ),
        );
      return {
        store,
        location,
        ref: (key) => formatRef({ scheme: location, key }),
      };
    }
    if (object?.kind !== location)
      throw notConfigured(`${location} object storage`);
    const write =
      object.write ??
      fail(notConfigured(`the ${location} write bucket/container`));
    const container =
      writeContainer ??
      fail(notConfigured(`the ${location} write bucket/container`));
    return {
      store: write,
      location,
      ref: (key) => formatRef({ scheme: location, container, key }),
    };
  };
  const isOwned = (ref: StoreRef): boolean => {
    if (ref.scheme === "file") return stores.file !== undefined;
    if (ref.scheme === "db") return stores.db !== undefined;
    return (
      object?.kind === ref.scheme &&
      object.write !== undefined &&
      ref.container === writeContainer
    );
  };
  const ownedObjectLocation = (): string | undefined =>
    object?.write && writeContainer !== undefined
      ? `${object.kind}://${writeContainer}`
      : undefined;
  return { forRead, writeTarget, isOwned, ownedObjectLocation };
}

function fail(error: Error): never {
  throw error;
}
