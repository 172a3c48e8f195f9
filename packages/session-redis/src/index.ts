export { RedisSessionStore } from "./store.js";
export {
  DEFAULT_ANONYMOUS_TTL,
  DEFAULT_TOUCH_AFTER_SHARE,
  DEFAULT_TTL,
  type RedisSessionStoreOptions,
  type ResolvedStoreOptions,
  type SessionSerializer,
  type SessionStoreLogger,
  type UnavailablePolicy,
} from "./store-options.js";
export {
  createRedisSessionStore,
  type CreateRedisSessionStoreOptions,
} from "./create-store.js";
export {
  createRedisClient,
  type CreateRedisClientOptions,
} from "./create-redis-client.js";
export {
  describeConnection,
  type RedisConnectionOptions,
  type SentinelConnection,
  type StandaloneConnection,
  type UrlConnection,
} from "./connection-options.js";
export {
  redisSessionOptionsFromEnv,
  type RedisSessionEnvOptions,
} from "./options-from-env.js";
export {
  catchLateSessionErrors,
  guardedSession,
  sessionUnavailableHandler,
  type SessionUnavailableHandlerOptions,
} from "./unavailable-handler.js";
export {
  deferSessionWithoutCookie,
  isSessionDeferred,
  type DeferSessionOptions,
  type SessionMiddleware,
} from "./defer-session.js";
export {
  GET_WITH_TTL_SCRIPT,
  GET_WITH_TTL_SHA,
  type ValueWithTtl,
} from "./get-with-ttl.js";
export { fromIoredis } from "./from-ioredis.js";
export { fromNodeRedis, type NodeRedisClientLike } from "./from-node-redis.js";
export {
  isSessionRedisClient,
  type SessionRedisClient,
} from "./session-redis-client.js";
export { hasUserId, sessionTtl, type TtlPolicy } from "./ttl.js";
export {
  isRedisSessionError,
  RedisSessionError,
  type ConfigIssue,
  type RedisSessionErrorCode,
} from "./errors.js";
