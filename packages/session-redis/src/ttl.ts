import type { SessionData } from "express-session";

/** How the store picks a session's time to live. */
export interface TtlPolicy {
  /** Seconds for authenticated sessions, or a function deciding for every session. */
  ttl: number | ((session: SessionData) => number);
  /** Seconds for anonymous sessions. */
  anonymousTtl: number;
  /** Which sessions count as authenticated. */
  isAuthenticated: (session: SessionData) => boolean;
}

/**
 * The default rule for "authenticated": the session holds a user id in `uid` or `userId`
 * (Odoo and common Express conventions) or in `passport.user` (Passport). A value of
 * `undefined`, `null`, `false` or `''` means no user.
 */
export function hasUserId(session: SessionData): boolean {
  const s = session as unknown as Record<string, unknown>;
  const passport = s["passport"];
  const passportUser =
    typeof passport === "object" && passport !== null
      ? (passport as Record<string, unknown>)["user"]
      : undefined;
  return [s["uid"], s["userId"], passportUser].some(isPresent);
}

function isPresent(value: unknown): boolean {
  return (
    value !== undefined && value !== null && value !== false && value !== ""
  );
}

/**
 * The TTL in seconds for `session`, in this order:
 * 1. `ttl` given as a function decides alone (as in connect-redis);
 * 2. the cookie's expiry (express-session `cookie.maxAge`/`expires`): seconds until then,
 *    zero or negative when already past (the caller then deletes the session);
 * 3. a per-session override: a positive number of seconds in `session.expiration`;
 * 4. `ttl` for authenticated sessions, `anonymousTtl` for the others.
 */
export function sessionTtl(
  policy: TtlPolicy,
  session: SessionData,
  now = Date.now(),
): number {
  if (typeof policy.ttl === "function") return policy.ttl(session);
  const expires = cookieExpiry(session);
  if (expires !== undefined) return Math.ceil((expires - now) / 1000);
  const override = (session as unknown as Record<string, unknown>)[
    "expiration"
  ];
  if (
    typeof override === "number" &&
    Number.isFinite(override) &&
    override > 0
  ) {
    return Math.ceil(override);
  }
  return policy.isAuthenticated(session) ? policy.ttl : policy.anonymousTtl;
}

function cookieExpiry(session: SessionData): number | undefined {
  // Sessions come back from JSON with `expires` as an ISO string, or live with a Date.
  const cookie = (session as Partial<SessionData>).cookie as
    { expires?: unknown } | undefined;
  const expires = cookie?.expires;
  let ms = NaN;
  if (expires instanceof Date) ms = expires.getTime();
  else if (typeof expires === "string") ms = Date.parse(expires);
  else if (typeof expires === "number") ms = expires;
  return Number.isNaN(ms) ? undefined : ms;
}
