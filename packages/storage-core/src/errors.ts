/** Stable codes of {@link StorageError}; match on these, never on messages. */
export const StorageErrorCode = {
  /** The key (or the store's bucket/container) does not exist. */
  NotFound: "E_NOT_FOUND",
  /** The key breaks the key rules (see `assertValidKey`). */
  InvalidKey: "E_INVALID_KEY",
  /** An argument other than the key is malformed (metadata, range, options). */
  InvalidArgument: "E_INVALID_ARGUMENT",
  /** The requested byte range starts past the end of the object. */
  InvalidRange: "E_INVALID_RANGE",
  /** The server refused the credentials or the operation. */
  Permission: "E_PERMISSION",
  /** The server could not be reached or failed, after retries. */
  Unavailable: "E_UNAVAILABLE",
  /** The bytes are not the expected ones (size or checksum mismatch, truncated upload). */
  Integrity: "E_INTEGRITY",
  /** The store or the object may not be written (a foreign bucket, a read-only store). */
  ReadOnly: "E_READ_ONLY",
  /** The operation was cancelled through its AbortSignal. */
  Aborted: "E_ABORTED",
  /** An upload is larger than the limit it was given. */
  TooLarge: "E_TOO_LARGE",
  /** A ref names a store that is not configured here. */
  NotConfigured: "E_NOT_CONFIGURED",
} as const;

/** One of the values of {@link StorageErrorCode}. */
export type StorageErrorCode =
  (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

/** What a {@link StorageError} says beyond its code and message. */
export interface StorageErrorDetails {
  /** The object key concerned, when there is one. */
  key?: string | undefined;
  /** The store (`s3`, `swift`, `file`, `db`, `memory`) and bucket/container concerned. */
  store?: string | undefined;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The one error type every store throws. `code` is stable; the message names the store and
 * the key, never a credential.
 */
export class StorageError extends Error {
  override readonly name = "StorageError";
  readonly code: StorageErrorCode;
  readonly key: string | undefined;
  readonly store: string | undefined;

  constructor(
    code: StorageErrorCode,
    message: string,
    details: StorageErrorDetails = {},
  ) {
    super(
      message,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.code = code;
    this.key = details.key;
    this.store = details.store;
  }
}

/** True when `error` is a {@link StorageError}, optionally with the given code. */
export function isStorageError(
  error: unknown,
  code?: StorageErrorCode,
): error is StorageError {
  return (
    error instanceof StorageError && (code === undefined || error.code === code)
  );
}

/** True when `error` is the rejection of an aborted AbortSignal (DOM or Node style). */
export function isAbortError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === "AbortError" ||
      (error as { code?: unknown }).code === "ABORT_ERR")
  );
}
