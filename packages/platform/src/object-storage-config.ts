import {
  s3OptionsFromEnv,
  type S3ReadOnlyEnvOptions,
} from "@cloud-platform/storage-s3";
import {
  swiftOptionsFromEnv,
  type SwiftReadOnlyStoreOptions,
} from "@cloud-platform/storage-swift";
import type { Env } from "./config.js";

/** One kind's store options, or why they could not be mapped. */
export type Mapped<T> = { options: T } | { error: Error };

/**
 * The object storage options of both kinds, mapped once from the environment with `{db}`
 * replaced; an empty bucket/container maps to `undefined` (read only, no write store).
 */
export interface ObjectStorageConfig {
  s3: Mapped<S3ReadOnlyEnvOptions>;
  swift: Mapped<SwiftReadOnlyStoreOptions>;
  /** What the Swift mapper warned about (deprecated variables), told when Swift is opened. */
  swiftWarnings: readonly string[];
}

function mapped<T>(map: () => T): Mapped<T> {
  try {
    return { options: map() };
  } catch (error) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/**
 * Maps `AWS_*` and `SWIFT_*` for both kinds (which kind is used is recorded in the index
 * database, read later): a kind's error is raised only when its store is opened.
 */
export function objectStorageOptionsFromEnv(
  env: Env,
  dbName: string,
): ObjectStorageConfig {
  const swiftWarnings: string[] = [];
  return {
    s3: mapped(() => s3OptionsFromEnv(env, { dbName, bucketOptional: true })),
    swift: mapped(() =>
      swiftOptionsFromEnv(env, {
        dbName,
        containerOptional: true,
        onWarning: (message) => swiftWarnings.push(message),
      }),
    ),
    swiftWarnings,
  };
}

/** The options of one kind; throws the mapper's error (`S3ConfigError`, `SwiftConfigError`). */
export function mappedOptions<T>(result: Mapped<T>): T {
  if ("error" in result) throw result.error;
  return result.options;
}
