import type { ErrorRequestHandler } from "express";
import type { Logger } from "@cloud-platform/logging-json";
import { StorageErrorCode, isStorageError } from "@cloud-platform/storage-core";

const STATUS: Record<string, number> = {
  [StorageErrorCode.NotFound]: 404,
  [StorageErrorCode.InvalidKey]: 400,
  [StorageErrorCode.InvalidArgument]: 400,
  [StorageErrorCode.InvalidRange]: 416,
  [StorageErrorCode.TooLarge]: 413,
  [StorageErrorCode.Aborted]: 400,
  [StorageErrorCode.ReadOnly]: 409,
  [StorageErrorCode.Permission]: 502,
  [StorageErrorCode.Unavailable]: 503,
  [StorageErrorCode.NotConfigured]: 500,
};

function statusOf(error: unknown, method: string): number {
  // Stored bytes that fail their checksum are the server's fault (a 502 from the store);
  // an upload whose body disagrees with what the client declared is the client's.
  if (isStorageError(error) && error.code === StorageErrorCode.Integrity)
    return method === "GET" || method === "HEAD" ? 502 : 400;
  if (isStorageError(error)) return STATUS[error.code] ?? 500;
  const status =
    (error as { status?: unknown; statusCode?: unknown } | undefined)?.status ??
    (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 600
    ? status
    : 500;
}

/**
 * The last error handler: a JSON answer `{ error, code? }` with the status the error calls
 * for (storage errors by code, `status`/`statusCode` of HTTP errors, else 500). Server
 * errors are logged in full; their details are not sent to the client.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const status = statusOf(error, req.method);
    if (status >= 500)
      logger.error("request failed", {
        error,
        method: req.method,
        path: req.path,
      });
    if (res.headersSent) {
      next(error);
      return;
    }
    const code = isStorageError(error) ? error.code : undefined;
    const message =
      status >= 500 && !isStorageError(error)
        ? "internal error"
        : error instanceof Error
          ? error.message
          : String(error);
    res
      .status(status)
      .json(code === undefined ? { error: message } : { error: message, code });
  };
}
