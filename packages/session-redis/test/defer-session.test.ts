import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import session from "express-session";
import { Redis } from "ioredis";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import {
  deferSessionWithoutCookie,
  isSessionDeferred,
  RedisSessionStore,
} from "@cloud-platform/session-redis";
import { createBrowser, sessionIdOf } from "./helpers.js";

describe("deferSessionWithoutCookie on express-session and Redis", () => {
  const redis = new Redis(testEndpoints().redisUrl);
  const prefix = uniqueName("sr-defer");
  const store = new RedisSessionStore({ client: redis, prefix });
  let server: Server;
  let url = "";

  beforeAll(async () => {
    const app = express();
    app.use(
      deferSessionWithoutCookie(
        session({
          store,
          secret: "test-secret",
          resave: false,
          saveUninitialized: false,
          name: "sid",
        }),
        { cookieName: "sid" },
      ),
    );
    app.get("/plain", (req, res) => {
      res.json({ deferred: isSessionDeferred(req) });
    });
    app.get("/me", (req, res) => {
      res.json({ uid: req.session.uid ?? null, id: req.sessionID });
    });
    app.post("/login", (req, res) => {
      req.session.uid = 42;
      res.json({ ok: true });
    });
    server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.clear();
    await store.close();
    await redis.quit();
  });

  it("creates no session for a request without the cookie that never reads it", async () => {
    const browser = createBrowser();
    const { body } = await browser.call(`${url}/plain`);
    expect(JSON.parse(body)).toEqual({ deferred: true });
    expect(browser.cookie).toBeUndefined();
  });

  it("gives a request without the cookie a new empty session when it reads one, stored only if changed", async () => {
    const browser = createBrowser();
    const { body } = await browser.call(`${url}/me`);
    const seen = JSON.parse(body) as { uid: unknown; id: unknown };
    expect(seen.uid).toBeNull();
    expect(typeof seen.id).toBe("string");
    expect(browser.cookie).toBeUndefined();
    expect(await store.length()).toBe(0);
  });

  it("saves a session created by a request without the cookie, and reads it back by its cookie", async () => {
    const browser = createBrowser();
    await browser.call(`${url}/login`, "POST");
    expect(
      await redis.exists(`session:${prefix}:${sessionIdOf(browser.cookie)}`),
    ).toBe(1);
    const { body } = await browser.call(`${url}/me`);
    expect(JSON.parse(body)).toMatchObject({ uid: 42 });
    const plain = await browser.call(`${url}/plain`);
    expect(JSON.parse(plain.body)).toEqual({ deferred: false });
  });
});
