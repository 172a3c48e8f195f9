import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { createClient } from "redis";
import {
  startRedisServer,
  testEndpoints,
  uniqueName,
  type OwnedRedis,
} from "@cloud-platform/test-services";
import {
  fromNodeRedis,
  RedisSessionStore,
  type SessionRedisClient,
} from "@cloud-platform/session-redis";
import {
  createBrowser,
  sessionIdOf,
  startApp,
  type Browser,
  type TestApp,
} from "./helpers.js";

// Authenticated sessions live 4 s; the lazy touch refreshes once half of that has passed.
const TTL_S = 4;
const SHARE = 0.5;

const clients: [
  string,
  () => Redis | SessionRedisClient,
  () => Promise<void>,
][] = [];
const ioredis = new Redis(testEndpoints().redisUrl);
const nodeRedis = createClient({ url: testEndpoints().redisUrl });
clients.push(
  [
    "ioredis",
    () => ioredis,
    async () => {
      await ioredis.quit();
    },
  ],
  [
    "node-redis",
    () => fromNodeRedis(nodeRedis),
    async () => {
      await nodeRedis.close();
    },
  ],
);

describe.each(clients)("the lazy touch on %s", (_name, client, closeClient) => {
  const redis = new Redis(testEndpoints().redisUrl);
  const prefix = uniqueName("sr-lazy");
  let store: RedisSessionStore;
  let app: TestApp;

  const keyOf = (browser: Browser): string =>
    `session:${prefix}:${sessionIdOf(browser.cookie)}`;
  const loggedIn = async (): Promise<Browser> => {
    const browser = createBrowser();
    await browser.call(`${app.url}/login`, "POST");
    return browser;
  };
  const uidSeenBy = async (browser: Browser): Promise<unknown> =>
    (JSON.parse((await browser.call(`${app.url}/me`)).body) as { uid: unknown })
      .uid;

  beforeAll(async () => {
    if (!nodeRedis.isOpen) await nodeRedis.connect();
    store = new RedisSessionStore({
      client: client(),
      prefix,
      ttl: TTL_S,
      touchAfterShare: SHARE,
    });
    app = await startApp(store);
  });
  afterAll(async () => {
    await app.close();
    await store.clear();
    await store.close();
    await closeClient();
    await redis.quit();
  });

  it("leaves the TTL alone, as Redis sees it, for a session used within the window", async () => {
    const browser = await loggedIn();
    await sleep(700);
    expect(await uidSeenBy(browser)).toBe(42);
    // A refresh would have put it back near 4000 ms.
    expect(await redis.pttl(keyOf(browser))).toBeLessThan(3500);
  });

  it("gives a fresh TTL to a session used after the window", async () => {
    const browser = await loggedIn();
    await sleep(TTL_S * SHARE * 1000 + 300);
    expect(await uidSeenBy(browser)).toBe(42);
    expect(await redis.pttl(keyOf(browser))).toBeGreaterThan(3600);
  });

  it("lets an idle session expire on time, reads within the window included", async () => {
    const browser = await loggedIn();
    const key = keyOf(browser);
    await sleep(500);
    expect(await uidSeenBy(browser)).toBe(42);
    await sleep(TTL_S * 1000 - 500 + 300);
    expect(await redis.exists(key)).toBe(0);
    expect(await uidSeenBy(browser)).toBeNull();
  });
});

describe("the lazy touch's options and script", () => {
  let own: OwnedRedis;
  let redis: Redis;

  beforeAll(async () => {
    own = await startRedisServer();
    redis = new Redis(own.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await own.stop();
  });

  it("refreshes on every touch with touchAfterShare 0, as connect-redis does", async () => {
    const store = new RedisSessionStore({
      client: redis,
      ttl: 100,
      touchAfterShare: 0,
    });
    await store.set("eager", { cookie: {}, uid: 1 } as never);
    await redis.expire("session:eager", 50);
    const sess = await store.get("eager");
    await store.touch("eager", sess!);
    expect(await redis.ttl("session:eager")).toBeGreaterThan(95);
    await store.close();
  });

  it("sends no EXPIRE for the concurrent requests of one session within the window", async () => {
    const store = new RedisSessionStore({ client: redis, ttl: 100 });
    await store.set("parallel", { cookie: {}, uid: 3 } as never);
    const expires = async (): Promise<number> => {
      const info = await redis.info("commandstats");
      return Number(/cmdstat_expire:calls=(\d+)/.exec(info)?.[1] ?? 0);
    };
    const before = await expires();
    // A page's parallel calls: every read lands before the first response ends.
    const read = await Promise.all(
      Array.from({ length: 5 }, () => store.get("parallel")),
    );
    for (const sess of read) await store.touch("parallel", sess!);
    expect(await expires()).toBe(before);
    expect(await redis.ttl("session:parallel")).toBeLessThanOrEqual(100);
    await store.close();
  });

  it("reads a session on a server that does not know the script yet, or forgot it", async () => {
    const store = new RedisSessionStore({ client: redis, ttl: 100 });
    await redis.set("session:scripted", JSON.stringify({ uid: 7 }), "EX", 100);
    await redis.script("FLUSH");
    expect(await store.get("scripted")).toMatchObject({ uid: 7 });
    expect(await store.get("scripted")).toMatchObject({ uid: 7 });
    expect(await store.get("missing")).toBeNull();
    await store.close();
  });

  it("rejects a share outside 0 to 1 with E_INVALID_OPTION", () => {
    expect(
      () => new RedisSessionStore({ client: redis, touchAfterShare: 1.5 }),
    ).toThrow(expect.objectContaining({ code: "E_INVALID_OPTION" }));
  });
});
