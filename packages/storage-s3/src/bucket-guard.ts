import {
  CreateBucketCommand,
  HeadBucketCommand,
  type BucketLocationConstraint,
  type S3Client,
} from "@aws-sdk/client-s3";

/** Creates the store's bucket before the first write, when allowed. */
export interface BucketGuard {
  /** Resolves once the bucket is known to exist (no-op when creation is disabled). */
  beforeWrite(): Promise<void>;
}

const status = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata
    ?.httpStatusCode;

/**
 * With `enabled`, the first write checks the bucket (HeadBucket) and creates it when missing,
 * in the client's region (its LocationConstraint, except for us-east-1 which has none).
 * Success is remembered; a failure is retried by the next write. Reads never get here.
 */
export function createBucketGuard(
  client: S3Client,
  bucket: string,
  enabled: boolean,
): BucketGuard {
  let ready: Promise<void> | undefined;
  const ensure = async (): Promise<void> => {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (error) {
      if (status(error) !== 404) throw error;
    }
    const region = await client.config.region();
    const location =
      region === "us-east-1"
        ? {}
        : {
            CreateBucketConfiguration: {
              LocationConstraint: region as BucketLocationConstraint,
            },
          };
    try {
      await client.send(
        new CreateBucketCommand({ Bucket: bucket, ...location }),
      );
    } catch (error) {
      // Another instance created it in between: that is what we wanted.
      if ((error as { name?: string }).name !== "BucketAlreadyOwnedByYou")
        throw error;
    }
  };
  return {
    beforeWrite: () => {
      if (!enabled) return Promise.resolve();
      ready ??= ensure().catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      return ready;
    },
  };
}
