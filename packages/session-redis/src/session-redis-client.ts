import type { EventEmitter } from "node:events";
import type { ValueWithTtl } from "./get-with-ttl.js";

/**
 * The few Redis operations the session store needs, independent of the client library.
 * `fromIoredis()` and `fromNodeRedis()` build one; a custom implementation works too.
 */
export interface SessionRedisClient {
  /** Brand that tells this adapter apart from a raw client passed as `client`. */
  readonly kind: "session-redis-client";
  /**
   * The client's own per-command timeout in ms, when it enforces one for every command
   * (queued ones included); the store then skips its own timer when this is not longer.
   */
  readonly commandTimeout?: number | undefined;
  get(key: string): Promise<string | null>;
  /**
   * GET and PTTL in one command (see `GET_WITH_TTL_SCRIPT`); `null` for a missing key.
   * Without it the store cannot tell how old a TTL is, and touches on every request.
   */
  getWithTtl?(key: string): Promise<ValueWithTtl | null>;
  /** SET, with `EX ttlSeconds` when given. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  expire(key: string, ttlSeconds: number): Promise<void>;
  /** Deletes the keys; on a cluster, keys may live on different nodes. */
  del(keys: readonly string[]): Promise<void>;
  /** Values in the order of `keys` (`null` for a missing key). */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** SCAN with `MATCH pattern COUNT count`, over every master of a cluster; pages of keys. */
  scan(pattern: string, count: number): AsyncIterable<string[]>;
  /** False while the connection is known to be down (commands would only wait or fail). */
  isUp(): boolean;
  /** Calls `listener(true)` when the connection is ready again, `listener(false)` when lost. */
  onStatus(listener: (up: boolean) => void): () => void;
  /** Calls `listener` with connection errors (the store logs them). */
  onError(listener: (err: Error) => void): () => void;
  /** Closes the connection gracefully. */
  quit(): Promise<void>;
}

/** True when `value` is a {@link SessionRedisClient} rather than a raw client. */
export function isSessionRedisClient(
  value: unknown,
): value is SessionRedisClient {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "session-redis-client"
  );
}

/** Subscribes `listener` to `event` on an emitter and returns the unsubscribe function. */
export function listen(
  emitter: Pick<EventEmitter, "on" | "off">,
  event: string,
  listener: Parameters<EventEmitter["on"]>[1],
): () => void {
  emitter.on(event, listener);
  return () => {
    emitter.off(event, listener);
  };
}
