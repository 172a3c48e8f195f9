/** A token and where to use it. */
export interface SwiftToken {
  /** The `X-Auth-Token` value. Never logged. */
  token: string;
  /** The account URL, e.g. `http://127.0.0.1:8080/v1/AUTH_test` (no trailing slash). */
  storageUrl: string;
  /** When the server says it expires, in ms since the epoch. */
  expiresAt: number;
  /** When it was obtained, in ms since the epoch. */
  issuedAt: number;
}

/** What an auth method needs to run one authentication request. */
export interface AuthContext {
  fetch: typeof fetch;
  now: () => number;
  signal?: AbortSignal;
}

/** Runs one authentication request; throws `StorageError`s. */
export type Authenticate = (context: AuthContext) => Promise<SwiftToken>;

/** Renew this long before expiry: five minutes, or half the lifetime of short-lived tokens. */
export function renewAt(token: SwiftToken): number {
  const life = Math.max(0, token.expiresAt - token.issuedAt);
  return token.expiresAt - Math.min(5 * 60_000, life / 2);
}
