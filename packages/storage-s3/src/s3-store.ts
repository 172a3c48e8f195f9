import type { S3Client } from "@aws-sdk/client-s3";
import { defineStore, type ObjectStore } from "@cloud-platform/storage-core";
import { createBucketGuard } from "./bucket-guard.js";
import { createS3Client } from "./create-client.js";
import { createS3Driver } from "./s3-driver.js";
import type { S3StoreOptions } from "./options.js";
import { resolveS3Options } from "./resolve-options.js";
import { createUploadCleanup } from "./upload-cleanup.js";

/**
 * Creates an {@link ObjectStore} on an S3 bucket (AWS or any S3-compatible server). Keys are
 * checked, bodies normalised and errors wrapped by core's `defineStore`; S3 errors become
 * `StorageError`s (`E_NOT_FOUND`, `E_PERMISSION`, `E_INVALID_RANGE`, `E_UNAVAILABLE` after
 * retries, ...) whose message names the bucket and key. `kind` is `s3`, `container` the
 * bucket. `close()` destroys the client only when the store created it.
 * @throws S3ConfigError when the options are invalid (every problem listed).
 */
export function createS3Store(options: S3StoreOptions): ObjectStore {
  const resolved = resolveS3Options(options);
  const client: S3Client =
    options.client ?? createS3Client(options.clientConfig ?? {}, resolved);
  return defineStore(
    createS3Driver({
      client,
      ownsClient: options.client === undefined,
      options: resolved,
      cleanup: createUploadCleanup(
        client,
        resolved.bucket,
        resolved.cleanupRetryMs,
      ),
      bucketGuard: createBucketGuard(
        client,
        resolved.bucket,
        resolved.createBucket,
      ),
    }),
  );
}
