import { describe, expect, it } from "@jest/globals";
import type { SessionData } from "express-session";
import { Redis } from "ioredis";
import { testEndpoints } from "@cloud-platform/test-services";
import {
  createRedisSessionStore,
  isRedisSessionError,
  RedisSessionStore,
} from "@cloud-platform/session-redis";

describe("client ownership", () => {
  it("leaves a client it was given open when the store closes", async () => {
    const client = new Redis(testEndpoints().redisUrl);
    const store = createRedisSessionStore({ client });
    await store.close();
    expect(await client.ping()).toBe("PONG");
    await client.quit();
  });

  it("closes the client it built from connection options", async () => {
    const url = new URL(testEndpoints().redisUrl);
    const store = createRedisSessionStore({
      connection: {
        mode: "standalone",
        host: url.hostname,
        port: Number(url.port || 6379),
      },
    });
    await store.set(
      "own",
      JSON.parse('{"cookie":{"originalMaxAge":null}}') as SessionData,
    );
    await store.destroy("own");
    await store.close();
    const err: unknown = await store.get("own").catch((e: unknown) => e);
    expect(isRedisSessionError(err, "E_UNAVAILABLE")).toBe(true);
  });

  it("rejects invalid options, naming each of them", () => {
    const client = new Redis({ lazyConnect: true });
    expect(
      () => new RedisSessionStore({ client, ttl: -1, scanCount: 0 }),
    ).toThrow(
      /ttl must be a positive number; scanCount must be a positive number/,
    );
    client.disconnect();
  });
});
