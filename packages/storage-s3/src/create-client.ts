import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { ResolvedS3Options } from "./options.js";
import { createBackoffRetryStrategy } from "./retry-strategy.js";

/**
 * Creates the S3 client of a store from `clientConfig`: the compat switches, the retry
 * strategy and the timeouts are applied unless `clientConfig` sets them itself.
 */
export function createS3Client(
  clientConfig: S3ClientConfig,
  options: ResolvedS3Options,
): S3Client {
  const { compat, retry } = options;
  const config: S3ClientConfig = {
    forcePathStyle: compat.forcePathStyle,
    retryStrategy: createBackoffRetryStrategy(retry),
    maxAttempts: retry.maxAttempts,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
    },
    ...(compat.checksumWhenRequired
      ? {
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }
      : {}),
    ...clientConfig,
  };
  return new S3Client(config);
}
