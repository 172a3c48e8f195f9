import {
  PutBucketCorsCommand,
  DeleteBucketCorsCommand,
} from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";
import { assertCorsOrigin } from "@cloud-platform/storage-core";
import { createS3Client } from "./create-client.js";
import { mapS3Error } from "./map-error.js";
import type { S3StoreOptions } from "./options.js";
import { resolveS3Options } from "./resolve-options.js";

/** What {@link configureS3Bucket} did. */
export interface BucketConfiguration {
  /**
   * `set` (the rule now allows exactly these origins), `removed`, or `unsupported` when the
   * server does not implement bucket CORS (the local Swift's s3api answers NotImplemented):
   * then set CORS with the provider's own tools.
   */
  cors: "set" | "removed" | "unsupported";
  corsOrigins: readonly string[];
}

/**
 * Sets the bucket's CORS rule so browsers from `corsOrigins` may PUT presigned uploads and GET
 * signed downloads (`[]` removes the rule). One request; the rule replaces any other.
 *
 * @throws S3ConfigError when the options are invalid; StorageError when the server refuses
 */
export async function configureS3Bucket(
  options: S3StoreOptions,
  settings: { corsOrigins: readonly string[] },
): Promise<BucketConfiguration> {
  const resolved = resolveS3Options(options);
  const origins = settings.corsOrigins;
  for (const origin of origins)
    assertCorsOrigin(origin, `s3:${resolved.bucket}`);
  const client: S3Client =
    options.client ?? createS3Client(options.clientConfig ?? {}, resolved);
  const Bucket = resolved.bucket;
  try {
    if (origins.length === 0)
      await client.send(new DeleteBucketCorsCommand({ Bucket }));
    else
      await client.send(
        new PutBucketCorsCommand({
          Bucket,
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedOrigins: [...origins],
                AllowedMethods: ["PUT", "GET", "HEAD"],
                AllowedHeaders: ["content-type", "content-md5"],
                ExposeHeaders: ["etag"],
                MaxAgeSeconds: 3600,
              },
            ],
          },
        }),
      );
    return {
      cors: origins.length === 0 ? "removed" : "set",
      corsOrigins: origins,
    };
  } catch (error) {
    if ((error as { name?: unknown }).name === "NotImplemented")
      return { cors: "unsupported", corsOrigins: origins };
    throw mapS3Error(error, {
      op: "configure",
      bucket: Bucket,
      store: `s3:${Bucket}`,
    });
  } finally {
    if (options.client === undefined) client.destroy();
  }
}
