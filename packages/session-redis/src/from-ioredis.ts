import type { Cluster, Redis } from "ioredis";
import {
  evalGetWithTtl,
  GET_WITH_TTL_SCRIPT,
  GET_WITH_TTL_SHA,
} from "./get-with-ttl.js";
import { listen, type SessionRedisClient } from "./session-redis-client.js";

const DOWN_STATUSES = new Set(["close", "end", "reconnecting"]);

/**
 * Wraps an ioredis client (`Redis`, including Sentinel mode, or `Cluster`) as a
 * {@link SessionRedisClient}. The store does this by itself when given an ioredis client.
 */
export function fromIoredis(client: Redis | Cluster): SessionRedisClient {
  // Tracked from events rather than read from `status`: during a reconnect loop the status
  // flips to `connecting` before every attempt, and we want "down" until `ready`.
  let up = !DOWN_STATUSES.has(client.status);
  const setUp = (value: boolean): void => {
    up = value;
  };
  client.on("ready", () => setUp(true));
  client.on("close", () => setUp(false));
  client.on("end", () => setUp(false));
  // With auto-pipelining, a command issued while the previous batch still waits for its
  // answer is queued, and ioredis starts its timer only when it sends it: up to twice its
  // commandTimeout. Not reported then, so the store times each command from its call.
  const timeout = client.options.enableAutoPipelining
    ? undefined
    : client.isCluster
      ? (client as Cluster).options.redisOptions?.commandTimeout
      : (client as Redis).options.commandTimeout;

  return {
    kind: "session-redis-client",
    commandTimeout: timeout,
    get: (key) => client.get(key),
    getWithTtl: (key) =>
      evalGetWithTtl(
        () => client.evalsha(GET_WITH_TTL_SHA, 1, key),
        () => client.eval(GET_WITH_TTL_SCRIPT, 1, key),
      ),
    async set(key, value, ttlSeconds) {
      if (ttlSeconds === undefined) await client.set(key, value);
      else await client.set(key, value, "EX", ttlSeconds);
    },
    async expire(key, ttlSeconds) {
      await client.expire(key, ttlSeconds);
    },
    async del(keys) {
      if (keys.length === 0) return;
      // A multi-key DEL fails with CROSSSLOT on a cluster: one DEL per key there.
      if (client.isCluster)
        await Promise.all(keys.map((key) => client.del(key)));
      else await client.del(...keys);
    },
    async mget(keys) {
      if (keys.length === 0) return [];
      if (client.isCluster)
        return Promise.all(keys.map((key) => client.get(key)));
      return client.mget(...keys);
    },
    scan: (pattern, count) => scanAll(client, pattern, count),
    isUp: () => up,
    onStatus(listener) {
      const offReady = listen(client, "ready", () => listener(true));
      const offClose = listen(client, "close", () => listener(false));
      const offEnd = listen(client, "end", () => listener(false));
      return () => {
        offReady();
        offClose();
        offEnd();
      };
    },
    onError: (listener) => listen(client, "error", listener),
    async quit() {
      // QUIT needs a live connection; while down it would wait for one that may never come.
      if (client.status !== "ready") {
        client.disconnect();
        return;
      }
      // QUIT can time out too (a stalled server): then drop the connection.
      await client.quit().catch(() => client.disconnect());
    },
  };
}

async function* scanAll(
  client: Redis | Cluster,
  pattern: string,
  count: number,
): AsyncGenerator<string[]> {
  // A cluster has no global keyspace: SCAN every master.
  const nodes = client.isCluster
    ? (client as Cluster).nodes("master")
    : [client as Redis];
  for (const node of nodes) {
    for await (const keys of node.scanStream({ match: pattern, count })) {
      yield keys as string[];
    }
  }
}
