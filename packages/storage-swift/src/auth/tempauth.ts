import { StorageError, StorageErrorCode } from "@cloud-platform/storage-core";
import type { TempAuthOptions } from "../options.js";
import { authFailure, authUnreachable } from "./auth-errors.js";
import type { AuthContext, SwiftToken } from "./token.js";

/** Swift v1 authentication: `GET /auth/v1.0` with `X-Auth-User` / `X-Auth-Key`. */
export async function tempAuthenticate(
  options: TempAuthOptions,
  context: AuthContext,
): Promise<SwiftToken> {
  const who = `Swift v1 user ${JSON.stringify(options.user)}`;
  const issuedAt = context.now();
  let response: Response;
  try {
    response = await context.fetch(options.authUrl, {
      headers: { "x-auth-user": options.user, "x-auth-key": options.key },
      ...(context.signal ? { signal: context.signal } : {}),
    });
  } catch (error) {
    throw authUnreachable(who, error);
  }
  if (response.status < 200 || response.status > 299)
    throw await authFailure(who, response);
  await response.body?.cancel();
  const token =
    response.headers.get("x-auth-token") ??
    response.headers.get("x-storage-token");
  const storageUrl = response.headers.get("x-storage-url");
  if (!token || !storageUrl) {
    throw new StorageError(
      StorageErrorCode.Unavailable,
      `${who}: the auth answer lacks X-Auth-Token or X-Storage-Url`,
      { store: "swift" },
    );
  }
  // tempauth tells the remaining lifetime in seconds; without it assume one hour.
  const seconds = Number(
    response.headers.get("x-auth-token-expires") ?? "3600",
  );
  return {
    token,
    storageUrl: storageUrl.replace(/\/+$/, ""),
    issuedAt,
    expiresAt: issuedAt + (Number.isFinite(seconds) ? seconds : 3600) * 1000,
  };
}
