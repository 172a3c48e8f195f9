import { join } from "node:path";
import {
  createAttachments,
  createFilesystemStore,
  type AttachmentLocation,
  type Attachments,
  type AttachmentsOptions,
  type ObjectStore,
} from "@cloud-platform/storage-core";
import { createDatabaseStore, type SqlIndex } from "../src/index.js";

/** A filesystem store standing in for an S3 bucket (kind `s3`, container `name`). */
export function bucket(root: string, name: string): ObjectStore {
  return {
    ...createFilesystemStore({ root: join(root, `bucket-${name}`) }),
    kind: "s3",
    container: name,
  };
}

/** The stores of a test instance: a filestore, the database store, and "our" bucket. */
export interface TestStores {
  file: ObjectStore;
  db: ObjectStore;
  ours: ObjectStore;
  prod: ObjectStore;
}

export function testStores(index: SqlIndex, root: string): TestStores {
  return {
    file: createFilesystemStore({ root: join(root, "filestore") }),
    db: createDatabaseStore(index),
    ours: bucket(root, "ours"),
    prod: bucket(root, "prod"),
  };
}

/** The Attachments service over the test stores; `prod` is reachable read-only. */
export function testAttachments(
  index: SqlIndex,
  stores: TestStores,
  location: AttachmentLocation,
  extra: Partial<AttachmentsOptions> = {},
): Attachments {
  return createAttachments({
    index,
    location,
    stores: {
      file: stores.file,
      db: stores.db,
      objectStorage: {
        kind: "s3",
        write: stores.ours,
        open: (name) => (name === "prod" ? stores.prod : stores.ours),
      },
    },
    ...extra,
  });
}
