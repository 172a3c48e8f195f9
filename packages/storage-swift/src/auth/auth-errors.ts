import { StorageError, StorageErrorCode } from "@cloud-platform/storage-core";

/** Marks failures worth another try (network, 5xx, 429). */
export class TransientAuthError extends StorageError {}

/** The auth server could not be reached. */
export function authUnreachable(who: string, cause: unknown): StorageError {
  if (cause instanceof Error && cause.name === "AbortError") {
    return new StorageError(
      StorageErrorCode.Aborted,
      `${who}: authentication aborted`,
      { store: "swift", cause },
    );
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TransientAuthError(
    StorageErrorCode.Unavailable,
    `${who}: auth server unreachable (${reason})`,
    { store: "swift", cause },
  );
}

/** The auth server answered with an error status; the body is dropped (it may echo input). */
export async function authFailure(
  who: string,
  response: Response,
): Promise<StorageError> {
  await response.body?.cancel();
  const status = response.status;
  if (status === 401 || status === 403) {
    return new StorageError(
      StorageErrorCode.Permission,
      `${who}: credentials refused (HTTP ${status})`,
      { store: "swift" },
    );
  }
  if (status >= 500 || status === 429) {
    return new TransientAuthError(
      StorageErrorCode.Unavailable,
      `${who}: auth server failed (HTTP ${status})`,
      { store: "swift" },
    );
  }
  return new StorageError(
    StorageErrorCode.NotConfigured,
    `${who}: authentication rejected (HTTP ${status})`,
    { store: "swift" },
  );
}
