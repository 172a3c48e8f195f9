import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { SessionData } from "express-session";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import {
  fromNodeRedis,
  RedisSessionStore,
  type SessionStoreLogger,
} from "@cloud-platform/session-redis";

// Plain objects, as sessions come back from JSON; the cast is the test's shortcut.
const anonymous = (extra: Record<string, unknown> = {}): SessionData =>
  JSON.parse(
    JSON.stringify({
      cookie: { originalMaxAge: null, expires: null },
      ...extra,
    }),
  ) as SessionData;

describe("RedisSessionStore on a real Redis", () => {
  const redis = new Redis(testEndpoints().redisUrl);
  const prefix = uniqueName("sr-store");
  const warnings: { message: string; meta: unknown }[] = [];
  const logger: SessionStoreLogger = {
    warn: (message, meta) => warnings.push({ message, meta }),
  };
  let store: RedisSessionStore;

  beforeAll(() => {
    store = new RedisSessionStore({
      client: redis,
      prefix,
      ttl: 5000,
      anonymousTtl: 300,
      logger,
    });
  });
  afterAll(async () => {
    await store.clear();
    await store.close();
    await redis.quit();
  });

  it("stores a session under session:<prefix>:<sid> and reads it back", async () => {
    await store.set("abc", anonymous({ note: "hello" }));
    expect(
      JSON.parse((await redis.get(`session:${prefix}:abc`)) ?? "{}"),
    ).toMatchObject({ note: "hello" });
    expect(await store.get("abc")).toMatchObject({ note: "hello" });
  });

  it("returns null for a session that does not exist", async () => {
    expect(await store.get("missing")).toBeNull();
  });

  it("gives anonymous sessions anonymousTtl and authenticated ones ttl", async () => {
    await store.set("anon", anonymous());
    await store.set("auth", anonymous({ uid: 7 }));
    const anonTtl = await redis.ttl(`session:${prefix}:anon`);
    const authTtl = await redis.ttl(`session:${prefix}:auth`);
    expect(anonTtl).toBeGreaterThan(290);
    expect(anonTtl).toBeLessThanOrEqual(300);
    expect(authTtl).toBeGreaterThan(4990);
    expect(authTtl).toBeLessThanOrEqual(5000);
  });

  it("lets the cookie expiry win over the configured TTLs", async () => {
    const expires = new Date(Date.now() + 60_000).toISOString();
    await store.set("cookie", {
      cookie: { expires, originalMaxAge: 60_000 },
      uid: 1,
    } as unknown as SessionData);
    const ttl = await redis.ttl(`session:${prefix}:cookie`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it("deletes the session when its cookie expiry is in the past", async () => {
    await store.set("past", anonymous());
    const expires = new Date(Date.now() - 1000).toISOString();
    await store.set("past", {
      cookie: { expires, originalMaxAge: 1 },
    } as unknown as SessionData);
    expect(await redis.exists(`session:${prefix}:past`)).toBe(0);
  });

  it("touch extends the expiry and keeps the stored body", async () => {
    await store.set("touched", anonymous({ note: "original" }));
    await redis.expire(`session:${prefix}:touched`, 20);
    await store.touch(
      "touched",
      anonymous({ uid: 9, note: "changed in memory" }),
    );
    expect(await redis.ttl(`session:${prefix}:touched`)).toBeGreaterThan(4990);
    expect(await store.get("touched")).toMatchObject({ note: "original" });
    expect(await store.get("touched")).not.toHaveProperty("uid");
  });

  it("treats undecodable data as a new session and logs without the content", async () => {
    await redis.set(
      `session:${prefix}:garbage`,
      "not-json secret-content",
      "EX",
      60,
    );
    expect(await store.get("garbage")).toBeNull();
    const logged = JSON.stringify(warnings);
    expect(logged).toContain("undecodable");
    expect(logged).not.toContain("secret-content");
  });

  it("lists, counts and clears its sessions with SCAN, leaving other prefixes alone", async () => {
    const other = new RedisSessionStore({
      client: redis,
      prefix: `${prefix}-other`,
    });
    await store.clear();
    await Promise.all(
      ["s1", "s2", "s3"].map((sid) => store.set(sid, anonymous({ note: sid }))),
    );
    await other.set("s1", anonymous({ note: "other" }));
    expect((await store.ids()).sort()).toEqual(["s1", "s2", "s3"]);
    expect(await store.length()).toBe(3);
    const all = await store.all();
    expect(
      all.map((s) => (s as SessionData & { id: string }).id).sort(),
    ).toEqual(["s1", "s2", "s3"]);
    expect(await other.get("s1")).toMatchObject({ note: "other" });
    await store.clear();
    expect(await store.length()).toBe(0);
    expect(await other.length()).toBe(1);
    await other.clear();
    await other.close();
  });

  it("calls express-session style callbacks", async () => {
    await store.set("cb", anonymous({ note: "callback" }));
    const value = await new Promise((resolve, reject) => {
      store.get("cb", (err, sess) =>
        err ? reject(new Error("get failed", { cause: err })) : resolve(sess),
      );
    });
    expect(value).toMatchObject({ note: "callback" });
  });
});

describe("RedisSessionStore on node-redis through fromNodeRedis", () => {
  it("reads, expires, lists and deletes sessions", async () => {
    const client = createClient({ url: testEndpoints().redisUrl });
    client.on("error", () => undefined);
    await client.connect();
    const prefix = uniqueName("sr-node");
    const store = new RedisSessionStore({
      client: fromNodeRedis(client),
      prefix,
      anonymousTtl: 120,
    });
    await store.set("n1", anonymous({ note: "node-redis" }));
    expect(await store.get("n1")).toMatchObject({ note: "node-redis" });
    expect(await client.ttl(`session:${prefix}:n1`)).toBeGreaterThan(100);
    expect(await store.ids()).toEqual(["n1"]);
    await store.destroy("n1");
    expect(await store.length()).toBe(0);
    await store.close();
    await client.close();
  });
});
