import type { SessionData } from "express-session";
import type { Cluster, Redis } from "ioredis";
import { RedisSessionError } from "./errors.js";
import { fromIoredis } from "./from-ioredis.js";
import {
  isSessionRedisClient,
  type SessionRedisClient,
} from "./session-redis-client.js";
import { hasUserId } from "./ttl.js";

/** Turns sessions into strings and back (same shape as connect-redis's). */
export interface SessionSerializer {
  parse(text: string): SessionData | Promise<SessionData>;
  stringify(session: SessionData): string;
}

/** Where the store reports problems it handles by itself (winston and console fit). */
export interface SessionStoreLogger {
  warn(message: string, meta?: Record<string, unknown>): void;
}

/**
 * What to do with a request while Redis is unavailable (see `sessionUnavailableHandler`):
 * `'fail'` answers 503 Service Unavailable; `'continue'` serves the request without a
 * session (`req.session` is `undefined`).
 */
export type UnavailablePolicy = "fail" | "continue";

/** Options of {@link RedisSessionStore}; names and meanings follow connect-redis where they overlap. */
export interface RedisSessionStoreOptions {
  /** An ioredis `Redis` (plain or Sentinel) or `Cluster`, or an adapter such as `fromNodeRedis(client)`. Required. */
  client: Redis | Cluster | SessionRedisClient;
  /** Key namespace: keys are `session:<prefix>:<sid>`, or `session:<sid>` when empty. @default '' */
  prefix?: string | undefined;
  /** TTL in seconds of authenticated sessions, or a function deciding every session's TTL (as in connect-redis). @default 604800 */
  ttl?: number | ((session: SessionData) => number) | undefined;
  /** TTL in seconds of anonymous sessions. @default 10800 */
  anonymousTtl?: number | undefined;
  /** Which sessions are authenticated. @default a user id in `uid`, `userId` or `passport.user` */
  isAuthenticated?: ((session: SessionData) => boolean) | undefined;
  /** Do not extend the expiry on `touch`. @default false */
  disableTouch?: boolean | undefined;
  /** Store sessions without expiry (and never touch them). @default false */
  disableTTL?: boolean | undefined;
  /**
   * The lazy touch: `touch` refreshes a session's TTL only once this share of it (0 to 1)
   * has passed since it was last set, so a read-only request costs one Redis command (the
   * read, which also returns the TTL left) instead of two. A session then expires at most
   * this share of its TTL earlier than with a refresh on every request. 0 refreshes on
   * every touch, as connect-redis does.
   * @default 0.1
   */
  touchAfterShare?: number | undefined;
  /** @default JSON */
  serializer?: SessionSerializer | undefined;
  /** COUNT hint of each SCAN call in `all`, `length`, `clear`, `ids`. @default 100 */
  scanCount?: number | undefined;
  /** Milliseconds after which a Redis command counts as failed (`E_UNAVAILABLE`). @default 1000 */
  commandTimeout?: number | undefined;
  /** Default policy of `sessionUnavailableHandler(store)`. @default 'fail' */
  onUnavailable?: UnavailablePolicy | undefined;
  /** Receives warnings (undecodable session data, lost connection); never session content. @default console */
  logger?: SessionStoreLogger | undefined;
  /** Whether `store.close()` also closes the client; true only for a client the caller hands over. @default false */
  ownsClient?: boolean | undefined;
}

/** The options with defaults applied and checked. */
export interface ResolvedStoreOptions {
  client: SessionRedisClient;
  keyPrefix: string;
  ttl: number | ((session: SessionData) => number);
  anonymousTtl: number;
  isAuthenticated: (session: SessionData) => boolean;
  disableTouch: boolean;
  disableTTL: boolean;
  touchAfterShare: number;
  serializer: SessionSerializer;
  scanCount: number;
  commandTimeout: number;
  onUnavailable: UnavailablePolicy;
  logger: SessionStoreLogger;
  ownsClient: boolean;
}

/** Default TTLs, in seconds (the defaults of `ODOO_SESSION_REDIS_EXPIRATION*`). */
export const DEFAULT_TTL = 604_800;
export const DEFAULT_ANONYMOUS_TTL = 10_800;
/** Default share of a TTL that passes before the lazy touch refreshes it. */
export const DEFAULT_TOUCH_AFTER_SHARE = 0.1;

/**
 * Applies defaults and validates.
 * @throws {RedisSessionError} `E_INVALID_OPTION` naming every invalid option.
 */
export function resolveStoreOptions(
  options: RedisSessionStoreOptions,
): ResolvedStoreOptions {
  const problems: string[] = [];
  const positive = (name: string, value: unknown): void => {
    if (
      value !== undefined &&
      !(typeof value === "number" && Number.isFinite(value) && value > 0)
    ) {
      problems.push(`${name} must be a positive number`);
    }
  };
  if (typeof options.ttl !== "function") positive("ttl", options.ttl);
  positive("anonymousTtl", options.anonymousTtl);
  positive("scanCount", options.scanCount);
  positive("commandTimeout", options.commandTimeout);
  const share: unknown = options.touchAfterShare;
  if (
    share !== undefined &&
    !(typeof share === "number" && share >= 0 && share <= 1)
  ) {
    problems.push("touchAfterShare must be a number from 0 to 1");
  }
  // Checked at run time too: JavaScript callers have no compiler to stop them.
  const onUnavailable: unknown = options.onUnavailable;
  if (
    onUnavailable !== undefined &&
    onUnavailable !== "fail" &&
    onUnavailable !== "continue"
  ) {
    problems.push(`onUnavailable must be 'fail' or 'continue'`);
  }
  if (typeof options.client !== "object") problems.push("client is required");
  if (problems.length > 0) {
    throw new RedisSessionError(
      "E_INVALID_OPTION",
      `Invalid session store options: ${problems.join("; ")}`,
    );
  }
  const prefix = options.prefix ?? "";
  return {
    client: isSessionRedisClient(options.client)
      ? options.client
      : fromIoredis(options.client),
    keyPrefix: prefix === "" ? "session:" : `session:${prefix}:`,
    ttl: options.ttl ?? DEFAULT_TTL,
    anonymousTtl: options.anonymousTtl ?? DEFAULT_ANONYMOUS_TTL,
    isAuthenticated: options.isAuthenticated ?? hasUserId,
    disableTouch: options.disableTouch ?? false,
    disableTTL: options.disableTTL ?? false,
    touchAfterShare: options.touchAfterShare ?? DEFAULT_TOUCH_AFTER_SHARE,
    serializer: options.serializer ?? JSON,
    scanCount: options.scanCount ?? 100,
    commandTimeout: options.commandTimeout ?? 1000,
    onUnavailable: options.onUnavailable ?? "fail",
    logger: options.logger ?? console,
    ownsClient: options.ownsClient ?? false,
  };
}

/** SCAN MATCH pattern for every key under `keyPrefix` (glob characters in it escaped). */
export function scanPattern(keyPrefix: string): string {
  return `${keyPrefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
}
