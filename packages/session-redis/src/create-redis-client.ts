import { createRequire } from "node:module";
import type { Redis, RedisOptions } from "ioredis";
import { RedisSessionError } from "./errors.js";
import type { RedisConnectionOptions } from "./connection-options.js";

/** Tuning of the client {@link createRedisClient} builds. */
export interface CreateRedisClientOptions {
  /** Milliseconds after which a command fails (ioredis `commandTimeout`). @default 1000 */
  commandTimeout?: number | undefined;
  /** Longest pause between reconnect attempts, in ms. @default 1000 */
  maxReconnectDelay?: number | undefined;
  /** Extra ioredis options, applied last (they win); the client always uses legacy reply mapping. */
  redisOptions?: Omit<RedisOptions, "replyMapping"> | undefined;
}

/**
 * Builds an ioredis client for sessions from connection options (e.g. from
 * `redisSessionOptionsFromEnv(env).connection`), tuned to fail fast: every command times
 * out after `commandTimeout`, a command is retried at most once across a reconnect, and
 * reconnect attempts never stop (at most `maxReconnectDelay` apart), so the client recovers
 * by itself when Redis returns. The caller owns (and closes) the client.
 * @throws {RedisSessionError} `E_INVALID_OPTION` for a URL that is not `redis://` or `rediss://`.
 */
export function createRedisClient(
  connection: RedisConnectionOptions,
  options: CreateRedisClientOptions = {},
): Redis {
  const maxDelay = options.maxReconnectDelay ?? 1000;
  const common: RedisOptions = {
    commandTimeout: options.commandTimeout ?? 1000,
    connectTimeout: 2000,
    // ioredis arms this timer on close even when the socket is already gone (Redis down), and
    // it then holds the process open for its whole length: keep it short.
    disconnectTimeout: 500,
    maxRetriesPerRequest: 1,
    // Commands issued in one turn of the event loop (the session reads of the requests that
    // arrived together) go out in one write and come back in one read, as node-redis sends
    // them by default: one socket write per command was 11 % of the logged-in platform
    // request's CPU (bench/profile-middleware.ts; 3 % with this).
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
    ...(connection.password === undefined
      ? {}
      : { password: connection.password }),
  };
  // `replyMapping: 'legacy'` pins the client's type to `Redis` (the store reads plain strings).
  const IoRedis = loadIoredis();
  return new IoRedis({
    ...common,
    ...target(connection),
    ...options.redisOptions,
    replyMapping: "legacy",
  });
}

function target(connection: RedisConnectionOptions): RedisOptions {
  switch (connection.mode) {
    case "standalone":
      return { host: connection.host, port: connection.port };
    case "sentinel":
      return {
        sentinels: connection.sentinels.map((s) => ({
          host: s.host,
          port: s.port,
        })),
        name: connection.masterName,
      };
    case "url":
      return fromUrl(connection.url, connection.password);
  }
}

function fromUrl(text: string, password: string | undefined): RedisOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisSessionError(
      "E_INVALID_OPTION",
      "The Redis URL is not a valid URL",
    );
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new RedisSessionError(
      "E_INVALID_OPTION",
      "The Redis URL must start with redis:// or rediss://",
    );
  }
  const db =
    url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  const urlPassword =
    url.password === "" ? undefined : decodeURIComponent(url.password);
  const pass = password ?? urlPassword;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port === "" ? 6379 : Number(url.port),
    ...(url.username === ""
      ? {}
      : { username: decodeURIComponent(url.username) }),
    ...(pass === undefined ? {} : { password: pass }),
    ...(db === undefined || Number.isNaN(db) ? {} : { db }),
    ...(url.protocol === "rediss:" ? { tls: {} } : {}),
  };
}

/**
 * ioredis, loaded when a client is built rather than when the package is imported: it is an
 * optional peer, and an app on node-redis (`fromNodeRedis`) never installs it.
 */
function loadIoredis(): typeof Redis {
  try {
    const loaded = createRequire(import.meta.url)("ioredis") as {
      Redis: typeof Redis;
    };
    return loaded.Redis;
  } catch (err) {
    if ((err as { code?: unknown }).code !== "MODULE_NOT_FOUND") throw err;
    throw new RedisSessionError(
      "E_INVALID_OPTION",
      "createRedisClient builds an ioredis client, and ioredis is not installed: `npm install ioredis`, or pass a node-redis client through fromNodeRedis(client)",
      { cause: err },
    );
  }
}
