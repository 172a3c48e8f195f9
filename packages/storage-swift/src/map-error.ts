import { StorageError, StorageErrorCode } from "@cloud-platform/storage-core";

/** Where a failure happened, for the error message and fields. */
export interface FailureContext {
  /** `swift:<container>`. */
  store: string;
  /** The operation, e.g. `PUT`. */
  op: string;
  /** Human description: `object "a/b" in container "c"`. */
  what: string;
  key?: string | undefined;
}

const CODES: Record<number, StorageErrorCode> = {
  400: StorageErrorCode.InvalidArgument,
  401: StorageErrorCode.Permission,
  403: StorageErrorCode.Permission,
  404: StorageErrorCode.NotFound,
  411: StorageErrorCode.InvalidArgument,
  413: StorageErrorCode.TooLarge,
  416: StorageErrorCode.InvalidRange,
  422: StorageErrorCode.Integrity,
};

/**
 * The `StorageError` for an unexpected HTTP status. The response body is dropped unread:
 * it says nothing the status does not, and a proxy could echo request headers into it.
 */
export async function statusError(
  response: Response,
  context: FailureContext,
): Promise<StorageError> {
  await response.body?.cancel().catch(() => undefined);
  return errorForStatus(response.status, context);
}

/** The `StorageError` for an HTTP status (404 → E_NOT_FOUND, 401/403 → E_PERMISSION, ...). */
export function errorForStatus(
  status: number,
  context: FailureContext,
): StorageError {
  const code = CODES[status] ?? StorageErrorCode.Unavailable;
  const reason =
    status === 404
      ? "not found"
      : status === 422
        ? "checksum mismatch"
        : `HTTP ${status}`;
  return new StorageError(code, `${context.op} ${context.what}: ${reason}`, {
    key: context.key,
    store: context.store,
  });
}

/** Describes an object for messages: names the key and the container, nothing else. */
export function describeObject(container: string, key: string): string {
  return `object ${JSON.stringify(key)} in container ${JSON.stringify(container)}`;
}

/** Encodes a key for a URL path, keeping its `/` separators. */
export function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/** The path of an object below the account URL. */
export function objectPath(container: string, key: string): string {
  return `/${encodeURIComponent(container)}/${encodeKey(key)}`;
}

/** Swift's ETag without the quotes SLOs put around it. */
export function cleanEtag(
  value: string | null | undefined,
): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  return value.replace(/^"|"$/g, "");
}
