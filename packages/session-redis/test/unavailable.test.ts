import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import {
  startRedisServer,
  uniqueName,
  type OwnedRedis,
} from "@cloud-platform/test-services";
import {
  createRedisSessionStore,
  isRedisSessionError,
  type RedisSessionStore,
} from "@cloud-platform/session-redis";
import {
  createBrowser,
  startApp,
  waitForEvent,
  type Browser,
  type TestApp,
} from "./helpers.js";

/** Fires requests from a few browsers until `stop` resolves; every call aborts after 1.5 s. */
async function traffic(
  app: TestApp,
  browsers: Browser[],
  stop: Promise<void>,
): Promise<number[]> {
  const statuses: number[] = [];
  let done = false;
  void stop.then(() => (done = true));
  await Promise.all(
    browsers.map(async (browser) => {
      while (!done) {
        const { status } = await browser.call(`${app.url}/visit`, "POST", 1500);
        statuses.push(status);
        await sleep(20);
      }
    }),
  );
  return statuses;
}

describe("Redis unavailable", () => {
  let redis: OwnedRedis;
  let store: RedisSessionStore;
  let app: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    store = createRedisSessionStore({
      connection: { mode: "url", url: redis.url },
      prefix: uniqueName("sr-down"),
      logger: { warn: () => undefined },
    });
    app = await startApp(store);
  });
  afterAll(async () => {
    await app.close();
    await store.close();
    await redis.stop();
  });

  it("answers every request within 1.5 s while Redis is stopped mid-traffic, with 503", async () => {
    const browsers = [createBrowser(), createBrowser(), createBrowser()];
    await browsers[0]!.call(`${app.url}/login`, "POST");
    const stopped = (async () => {
      await sleep(300);
      await redis.stop();
      await sleep(2500);
    })();
    const statuses = await traffic(app, browsers, stopped);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    const down = await createBrowser().call(`${app.url}/me`, "GET", 1500);
    expect(app.unhandled).toEqual([]);
    expect(down.status).toBe(503);
    expect(down.body).toContain("Sessions are temporarily unavailable");
  });

  it("fails store calls fast with E_UNAVAILABLE while Redis is down", async () => {
    const err: unknown = await store.get("any").catch((e: unknown) => e);
    expect(isRedisSessionError(err, "E_UNAVAILABLE")).toBe(true);
  });

  it("serves sessions again after Redis restarts, without restarting the app", async () => {
    const connected = waitForEvent(store, "connect", 10_000);
    await redis.start();
    await connected;
    const browser = createBrowser();
    expect((await browser.call(`${app.url}/login`, "POST")).status).toBe(200);
    expect(
      JSON.parse((await browser.call(`${app.url}/me`)).body),
    ).toMatchObject({ uid: 42 });
  });
});

describe("A session save that fails after the route answered", () => {
  it("completes the answer, logs the lost change, and passes no error to Express's final handler", async () => {
    const redis = await startRedisServer();
    const warnings: string[] = [];
    const store = createRedisSessionStore({
      connection: { mode: "url", url: redis.url },
      commandTimeout: 300,
      logger: { warn: (message) => void warnings.push(message) },
    });
    const admin = new Redis(redis.port, "127.0.0.1");
    const app = await startApp(store, {}, (express) => {
      // Redis holds writes from here on: the session was read, its save at the end times out.
      express.post("/visit-then-pause", async (req, res) => {
        req.session.views = (req.session.views ?? 0) + 1;
        await admin.call("CLIENT", "PAUSE", "1500", "WRITE");
        res.json({ views: req.session.views });
      });
    });
    try {
      const browser = createBrowser();
      await browser.call(`${app.url}/login`, "POST");
      const res = await browser.call(`${app.url}/visit-then-pause`, "POST");
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ views: 1 });
      // express-session reports the failed save after the answer: it must reach the guard.
      await sleep(100);
      expect(app.unhandled).toEqual([]);
      expect(warnings).toContain(
        "session-redis: a session change was not saved, Redis is unavailable",
      );
    } finally {
      await admin.call("CLIENT", "UNPAUSE");
      admin.disconnect();
      await app.close();
      await store.close();
      await redis.stop();
    }
  });
});

describe("Redis unavailable with the continue policy", () => {
  it("serves the request without a session", async () => {
    const redis = await startRedisServer();
    const store = createRedisSessionStore({
      connection: { mode: "url", url: redis.url },
      onUnavailable: "continue",
      logger: { warn: () => undefined },
    });
    const app = await startApp(store);
    const browser = createBrowser();
    await browser.call(`${app.url}/login`, "POST");
    const disconnected = waitForEvent(store, "disconnect", 5000);
    await redis.stop();
    await disconnected;
    const res = await browser.call(`${app.url}/me`, "GET", 1500);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      hasSession: false,
      uid: null,
      views: 0,
    });
    await app.close();
    await store.close();
  });
});

describe("Redis connected but not answering", () => {
  it("answers 503 through the error handler once the command times out", async () => {
    const redis = await startRedisServer();
    const store = createRedisSessionStore({
      connection: { mode: "url", url: redis.url },
      logger: { warn: () => undefined },
    });
    const app = await startApp(store);
    const admin = new Redis(redis.port, "127.0.0.1");
    try {
      const browser = createBrowser();
      await browser.call(`${app.url}/login`, "POST");
      // A real Redis holding every client's commands: the connection stays up, nothing answers.
      await admin.call("CLIENT", "PAUSE", "2500", "ALL");
      const res = await browser.call(`${app.url}/me`, "GET", 1500);
      expect(res.status).toBe(503);
      expect(store.isAvailable).toBe(true);
    } finally {
      admin.disconnect();
      await app.close();
      await store.close();
      await redis.stop();
    }
  });
});
