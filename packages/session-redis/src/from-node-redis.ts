import type { EventEmitter } from "node:events";
import {
  evalGetWithTtl,
  GET_WITH_TTL_SCRIPT,
  GET_WITH_TTL_SHA,
} from "./get-with-ttl.js";
import { listen, type SessionRedisClient } from "./session-redis-client.js";

/** The part of a node-redis v5 client (`createClient()`) this adapter uses. */
export interface NodeRedisClientLike {
  readonly isReady: boolean;
  get(key: string): Promise<string | null | object>;
  /** EVALSHA; with `eval`, lets the store read a session and its TTL in one command. */
  evalSha?(sha: string, options: { keys: string[] }): Promise<unknown>;
  /** EVAL (the first time a server sees the script). */
  eval?(script: string, options: { keys: string[] }): Promise<unknown>;
  set(
    key: string,
    value: string,
    options?: { expiration: { type: "EX"; value: number } },
  ): Promise<unknown>;
  expire(key: string, seconds: number): Promise<unknown>;
  del(keys: string[]): Promise<unknown>;
  mGet(keys: string[]): Promise<unknown[]>;
  scanIterator(options: {
    MATCH: string;
    COUNT: number;
  }): AsyncIterable<unknown[]>;
  close(): Promise<void>;
  destroy(): void;
  on: EventEmitter["on"];
  off: EventEmitter["off"];
}

/**
 * Wraps a node-redis v5 client (`createClient()` from `redis`) as a
 * {@link SessionRedisClient}, so the store runs on node-redis too:
 * `new RedisSessionStore({ client: fromNodeRedis(client) })`.
 * node-redis has no per-client command timeout: the store's own `commandTimeout` applies.
 * A node-redis cluster is not supported by this adapter (use ioredis's `Cluster`).
 */
export function fromNodeRedis(client: NodeRedisClientLike): SessionRedisClient {
  // Before the first `ready`, commands wait in node-redis's offline queue (bounded by the
  // store's timeout): count that as up so the first requests are not refused outright.
  let up = true;
  client.on("ready", () => (up = true));
  client.on("end", () => (up = false));
  client.on("reconnecting", () => (up = false));

  const evalSha = client.evalSha?.bind(client);
  const evalText = client.eval?.bind(client);
  return {
    kind: "session-redis-client",
    get: async (key) => asString(await client.get(key)),
    ...(evalSha !== undefined && evalText !== undefined
      ? {
          getWithTtl: (key: string) =>
            evalGetWithTtl(
              () => evalSha(GET_WITH_TTL_SHA, { keys: [key] }),
              () => evalText(GET_WITH_TTL_SCRIPT, { keys: [key] }),
            ),
        }
      : {}),
    async set(key, value, ttlSeconds) {
      if (ttlSeconds === undefined) await client.set(key, value);
      else
        await client.set(key, value, {
          expiration: { type: "EX", value: ttlSeconds },
        });
    },
    async expire(key, ttlSeconds) {
      await client.expire(key, ttlSeconds);
    },
    async del(keys) {
      if (keys.length > 0) await client.del([...keys]);
    },
    async mget(keys) {
      if (keys.length === 0) return [];
      return (await client.mGet([...keys])).map(asString);
    },
    async *scan(pattern, count) {
      for await (const keys of client.scanIterator({
        MATCH: pattern,
        COUNT: count,
      })) {
        yield keys.map((key) => asString(key) ?? "");
      }
    },
    isUp: () => up,
    onStatus(listener) {
      const offReady = listen(client, "ready", () => listener(true));
      const offEnd = listen(client, "end", () => listener(false));
      const offRetry = listen(client, "reconnecting", () => listener(false));
      return () => {
        offReady();
        offEnd();
        offRetry();
      };
    },
    onError: (listener) => listen(client, "error", listener),
    async quit() {
      // A graceful close waits for pending replies; while down, drop the connection instead.
      if (client.isReady) await client.close().catch(() => client.destroy());
      else client.destroy();
    },
  };
}

function asString(value: unknown): string | null {
  if (typeof value === "string") return value;
  return Buffer.isBuffer(value) ? value.toString("utf8") : null;
}
