import { describe, expect, it } from "@jest/globals";
import { setTimeout as sleep } from "node:timers/promises";
import type { SessionData } from "express-session";
import { Redis } from "ioredis";
import { startRedisServer, testEndpoints } from "@cloud-platform/test-services";
import {
  createRedisClient,
  createRedisSessionStore,
  isRedisSessionError,
} from "@cloud-platform/session-redis";

function standalone(): { mode: "standalone"; host: string; port: number } {
  const url = new URL(testEndpoints().redisUrl);
  return {
    mode: "standalone",
    host: url.hostname,
    port: Number(url.port || 6379),
  };
}

describe("commands of one event-loop turn", () => {
  it("go to Redis in one socket write from the client the store builds", async () => {
    const client = createRedisClient(standalone());
    const store = createRedisSessionStore({ client });
    try {
      const session = JSON.parse(
        '{"cookie":{"originalMaxAge":60000},"uid":7}',
      ) as SessionData;
      await store.set("pipelined", session);
      // Counted on the real socket, as the kernel sees them: one write per command before.
      const socket = client.stream;
      const write = socket.write.bind(socket);
      let writes = 0;
      socket.write = ((...args: Parameters<typeof socket.write>) => {
        writes += 1;
        return write(...args);
      }) as typeof socket.write;
      // The session reads of twenty requests that arrived together.
      const read = await Promise.all(
        Array.from({ length: 20 }, () => store.get("pipelined")),
      );
      socket.write = write;
      expect(read.every((s) => s?.uid === 7)).toBe(true);
      expect(writes).toBeLessThanOrEqual(2);
      await store.destroy("pipelined");
    } finally {
      await store.close();
      await client.quit();
    }
  });

  it("still fail within commandTimeout when they wait behind a batch Redis does not answer", async () => {
    const redis = await startRedisServer();
    const admin = new Redis(redis.port, "127.0.0.1");
    const store = createRedisSessionStore({
      connection: { mode: "url", url: redis.url },
      commandTimeout: 400,
      logger: { warn: () => undefined },
    });
    try {
      await store.get("warm-up");
      // The connection stays up; nothing is answered.
      await admin.call("CLIENT", "PAUSE", "3000", "ALL");
      const first = store.get("first").catch((e: unknown) => e);
      // Early in the first batch's wait: queued behind it, the second would wait ~300 ms
      // more than its own timeout if its clock started only when it is sent.
      await sleep(100);
      // Queued while the first batch waits for its answer: its clock starts now all the same.
      const issued = Date.now();
      const err = await store.get("second").catch((e: unknown) => e);
      const waited = Date.now() - issued;
      expect(isRedisSessionError(err, "E_UNAVAILABLE")).toBe(true);
      expect(isRedisSessionError(await first, "E_UNAVAILABLE")).toBe(true);
      expect(waited).toBeLessThan(400 + 150);
    } finally {
      await admin.call("CLIENT", "UNPAUSE").catch(() => undefined);
      admin.disconnect();
      await store.close();
      await redis.stop();
    }
  });
});
