import { StorageError, StorageErrorCode } from "./errors.js";

/**
 * Refuses what cannot be a CORS origin (`scheme://host[:port]`, http or https, no path), or
 * `*`, before a bucket or container is configured with it. Shared by the S3 and Swift stores.
 *
 * @throws StorageError `E_INVALID_ARGUMENT` naming the value (cut to 100 characters)
 */
export function assertCorsOrigin(origin: string, store: string): void {
  let ok = origin === "*";
  if (!ok) {
    try {
      const url = new URL(origin);
      ok =
        (url.protocol === "https:" || url.protocol === "http:") &&
        url.origin === origin;
    } catch {
      ok = false;
    }
  }
  if (!ok)
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      `CORS origin ${JSON.stringify(origin.slice(0, 100))} is not an origin (scheme://host[:port], no path)`,
      { store },
    );
}
