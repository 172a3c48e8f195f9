export { createS3Store } from "./s3-store.js";
export { configureS3Bucket } from "./bucket-cors.js";
export type { BucketConfiguration } from "./bucket-cors.js";
export type {
  S3CompatOptions,
  S3MultipartOptions,
  S3RetryOptions,
  S3StoreOptions,
} from "./options.js";
export { MIN_PART_SIZE } from "./options.js";
export { s3OptionsFromEnv } from "./options-from-env.js";
export type {
  S3EnvContext,
  S3EnvOptions,
  S3ReadOnlyEnvOptions,
} from "./options-from-env.js";
export {
  S3ConfigError,
  isS3ConfigError,
  bucketNameProblem,
} from "./config-error.js";
export type { S3ConfigProblem } from "./config-error.js";
export { createBackoffRetryStrategy } from "./retry-strategy.js";
export type { BackoffRetryStrategy } from "./retry-strategy.js";
