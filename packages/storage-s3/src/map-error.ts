import {
  StorageError,
  StorageErrorCode,
  isAbortError,
  isStorageError,
} from "@cloud-platform/storage-core";

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const NOT_FOUND = new Set([
  "NoSuchKey",
  "NotFound",
  "NoSuchBucket",
  "NoSuchUpload",
]);
const PERMISSION = new Set([
  "AccessDenied",
  "SignatureDoesNotMatch",
  "InvalidAccessKeyId",
  "ExpiredToken",
  "InvalidToken",
  "AuthorizationHeaderMalformed",
  "AllAccessDisabled",
]);
const INTEGRITY = new Set([
  "BadDigest",
  "InvalidDigest",
  "IncompleteBody",
  "InvalidPart",
]);

/** Where a failed operation happened: enough to name it, never a credential. */
export interface S3ErrorContext {
  op: string;
  bucket: string;
  key?: string | undefined;
  store: string;
  signal?: AbortSignal | undefined;
}

function codeFor(name: string, status: number | undefined): StorageErrorCode {
  if (NOT_FOUND.has(name) || status === 404) return StorageErrorCode.NotFound;
  if (PERMISSION.has(name) || status === 403 || status === 401)
    return StorageErrorCode.Permission;
  if (name === "InvalidRange" || status === 416)
    return StorageErrorCode.InvalidRange;
  if (INTEGRITY.has(name)) return StorageErrorCode.Integrity;
  if (name === "EntityTooLarge") return StorageErrorCode.TooLarge;
  // Network errors carry no status; 5xx and throttling are the server's trouble. Both reach
  // us only after the SDK's retries gave up.
  if (status === undefined || status >= 500 || status === 429)
    return StorageErrorCode.Unavailable;
  return StorageErrorCode.InvalidArgument;
}

/**
 * Maps an S3 SDK (or network) error to a {@link StorageError} whose message names the
 * operation, bucket and key. A `StorageError` passes through unchanged.
 */
export function mapS3Error(
  error: unknown,
  context: S3ErrorContext,
): StorageError {
  if (isStorageError(error)) return error;
  const { op, bucket, key, store, signal } = context;
  const where = key === undefined ? `s3://${bucket}` : `s3://${bucket}/${key}`;
  if (signal?.aborted || isAbortError(error)) {
    return new StorageError(
      StorageErrorCode.Aborted,
      `${op} aborted (${where})`,
      { key, store, cause: error },
    );
  }
  const e = (
    typeof error === "object" && error !== null ? error : {}
  ) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const name = e.code ?? e.name ?? "Error";
  const detail = [
    name,
    status === undefined ? undefined : String(status),
    e.message,
  ]
    .filter((x) => x !== undefined && x !== "")
    .join(" ");
  return new StorageError(
    codeFor(e.name ?? "", status),
    `${op} failed (${where}): ${detail}`,
    { key, store, cause: error },
  );
}
