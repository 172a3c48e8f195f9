import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { Redis } from "ioredis";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import {
  deferSessionWithoutCookie,
  isSessionDeferred,
  RedisSessionStore,
  type SessionMiddleware,
} from "@cloud-platform/session-redis";
import { createBrowser, sessionIdOf, testSession } from "./helpers.js";

describe("deferSessionWithoutCookie on express-session and Redis", () => {
  const redis = new Redis(testEndpoints().redisUrl);
  const prefix = uniqueName("sr-defer");
  const store = new RedisSessionStore({ client: redis, prefix });
  let server: Server;
  let url = "";

  beforeAll(async () => {
    const app = express();
    app.use(
      deferSessionWithoutCookie(testSession(store), { cookieName: "sid" }),
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

  it("defers on a request whose prototype is Node's own (a framework's request), and still materializes", async () => {
    const deferredSession = deferSessionWithoutCookie(
      testSession(store) as unknown as SessionMiddleware,
      { cookieName: "sid" },
    );
    // A framework that links the request to its response (as Express does) on Node's own
    // prototypes: the accessors go on the request itself.
    const bare = createServer((req, res) => {
      (req as { res?: unknown }).res = res;
      deferredSession(req, res, () => {
        const before = isSessionDeferred(req);
        const id = (req as unknown as { sessionID: unknown }).sessionID;
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            before,
            after: isSessionDeferred(req),
            id,
            own: Object.hasOwn(req, "sessionID"),
          }),
        );
      });
    });
    bare.listen(0, "127.0.0.1");
    await once(bare, "listening");
    try {
      const stored = await store.length();
      const port = (bare.address() as AddressInfo).port;
      const response = await fetch(`http://127.0.0.1:${port}/`);
      expect(await response.json()).toEqual({
        before: true,
        after: false,
        id: expect.any(String),
        own: true,
      });
      expect(await store.length()).toBe(stored);
    } finally {
      bare.closeAllConnections();
      await new Promise((resolve) => bare.close(resolve));
    }
  });

  it("materializes for a parent route after the sub-app that deferred it hands the request back", async () => {
    const sub = express();
    sub.use(
      deferSessionWithoutCookie(testSession(store), { cookieName: "sid" }),
    );
    const app = express();
    app.use("/sub", sub);
    app.get("/sub/me", (req, res) => {
      res.json({ deferred: isSessionDeferred(req), id: req.sessionID });
    });
    const parent = app.listen(0, "127.0.0.1");
    await once(parent, "listening");
    try {
      const port = (parent.address() as AddressInfo).port;
      const response = await fetch(`http://127.0.0.1:${port}/sub/me`);
      expect(await response.json()).toEqual({
        deferred: true,
        id: expect.any(String),
      });
    } finally {
      parent.closeAllConnections();
      await new Promise((resolve) => parent.close(resolve));
    }
  });
});
