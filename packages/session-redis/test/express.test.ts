import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import { RedisSessionStore } from "@cloud-platform/session-redis";
import {
  createBrowser,
  sessionIdOf,
  startApp,
  type TestApp,
} from "./helpers.js";

describe("two Express apps sharing one Redis", () => {
  const redis = new Redis(testEndpoints().redisUrl);
  const prefix = uniqueName("sr-express");
  // Two stores and two clients: two front-ends share nothing but Redis.
  const client2 = new Redis(testEndpoints().redisUrl);
  const storeA = new RedisSessionStore({
    client: redis,
    prefix,
    anonymousTtl: 600,
    ttl: 7200,
  });
  const storeB = new RedisSessionStore({
    client: client2,
    prefix,
    anonymousTtl: 600,
    ttl: 7200,
  });
  let appA: TestApp;
  let appB: TestApp;

  beforeAll(async () => {
    [appA, appB] = await Promise.all([startApp(storeA), startApp(storeB)]);
  });
  afterAll(async () => {
    await Promise.all([appA.close(), appB.close()]);
    await storeA.clear();
    await Promise.all([storeA.close(), storeB.close()]);
    await Promise.all([redis.quit(), client2.quit()]);
  });

  it("reads through one app the session written through the other", async () => {
    const browser = createBrowser();
    await browser.call(`${appA.url}/login`, "POST");
    await browser.call(`${appA.url}/visit`, "POST");
    const me = await browser.call(`${appB.url}/me`);
    expect(JSON.parse(me.body)).toEqual({
      hasSession: true,
      uid: 42,
      views: 1,
    });
  });

  it("sees a logout through one app in the other", async () => {
    const browser = createBrowser();
    await browser.call(`${appB.url}/login`, "POST");
    expect(
      JSON.parse((await browser.call(`${appA.url}/me`)).body),
    ).toMatchObject({ uid: 42 });
    await browser.call(`${appA.url}/logout`, "POST");
    expect(
      JSON.parse((await browser.call(`${appB.url}/me`)).body),
    ).toMatchObject({ uid: null });
  });

  it("stores anonymous sessions with the anonymous TTL and logged-in ones with the long TTL", async () => {
    const browser = createBrowser();
    await browser.call(`${appA.url}/visit`, "POST");
    const key = `session:${prefix}:${sessionIdOf(browser.cookie)}`;
    expect(await redis.ttl(key)).toBeGreaterThan(590);
    expect(await redis.ttl(key)).toBeLessThanOrEqual(600);
    await browser.call(`${appB.url}/login`, "POST");
    expect(await redis.ttl(key)).toBeGreaterThan(7190);
  });

  it("touches an unchanged session without rewriting its body", async () => {
    const browser = createBrowser();
    await browser.call(`${appA.url}/login`, "POST");
    const key = `session:${prefix}:${sessionIdOf(browser.cookie)}`;
    const before = await redis.get(key);
    await redis.expire(key, 30);
    await browser.call(`${appB.url}/me`);
    expect(await redis.ttl(key)).toBeGreaterThan(7190);
    expect(await redis.get(key)).toBe(before);
  });

  it("keeps two prefixes apart: a session of one is unknown to the other", async () => {
    const isolated = new RedisSessionStore({
      client: redis,
      prefix: `${prefix}-isolated`,
    });
    const appC = await startApp(isolated);
    const browser = createBrowser();
    await browser.call(`${appA.url}/login`, "POST");
    expect(
      JSON.parse((await browser.call(`${appC.url}/me`)).body),
    ).toMatchObject({ uid: null });
    expect(await isolated.length()).toBe(0);
    await appC.close();
    await isolated.close();
  });
});
