import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import session from "express-session";
import {
  guardedSession,
  type RedisSessionStore,
  type SessionUnavailableHandlerOptions,
} from "@cloud-platform/session-redis";

declare module "express-session" {
  interface SessionData {
    uid?: number;
    views?: number;
    note?: string;
  }
}

/** A running Express app with the store: login/logout/visit/me routes. */
export interface TestApp {
  url: string;
  /** Errors that got past every handler of the app (to Express's final handler). */
  unhandled: unknown[];
  close(): Promise<void>;
}

/** express-session on `store` as the tests use it: cookie `sid`, nothing saved unless changed. */
export function testSession(store: RedisSessionStore): express.RequestHandler {
  return session({
    store,
    secret: "test-secret",
    resave: false,
    saveUninitialized: false,
    name: "sid",
  });
}

/** Starts an Express app on 127.0.0.1:0 using `store` for sessions. */
export async function startApp(
  store: RedisSessionStore,
  policy: SessionUnavailableHandlerOptions = {},
  routes: (app: express.Express) => void = () => undefined,
): Promise<TestApp> {
  const app = express();
  const unhandled: unknown[] = [];
  app.use(guardedSession(testSession(store), store, policy));
  routes(app);
  app.post("/login", (req, res) => {
    req.session.uid = 42;
    res.json({ ok: true });
  });
  app.post("/visit", (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ views: req.session.views });
  });
  app.get("/me", (req, res) => {
    const sess = req.session as typeof req.session | undefined;
    res.json({
      hasSession: sess !== undefined,
      uid: sess?.uid ?? null,
      views: sess?.views ?? 0,
    });
  });
  app.post("/logout", (req, res, next) => {
    req.session.destroy((err: unknown) =>
      err ? next(err) : res.json({ ok: true }),
    );
  });
  app.use(
    (
      err: unknown,
      _req: express.Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      unhandled.push(err);
      next(err);
    },
  );
  const server: Server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    unhandled,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A tiny HTTP client keeping the `sid` cookie between calls, like a browser would. */
export interface Browser {
  cookie: string | undefined;
  call(
    url: string,
    method?: string,
    timeoutMs?: number,
  ): Promise<{ status: number; body: string }>;
}

/** Creates a {@link Browser}; every call aborts after `timeoutMs` (default 5 s). */
export function createBrowser(): Browser {
  const browser: Browser = {
    cookie: undefined,
    async call(url, method = "GET", timeoutMs = 5000) {
      const res = await fetch(url, {
        method,
        headers: browser.cookie ? { cookie: browser.cookie } : {},
        signal: AbortSignal.timeout(timeoutMs),
      });
      const setCookie = res.headers.get("set-cookie");
      if (setCookie) browser.cookie = setCookie.split(";")[0];
      return { status: res.status, body: await res.text() };
    },
  };
  return browser;
}

/** The session id inside a `sid=s%3A<id>.<signature>` cookie. */
export function sessionIdOf(cookie: string | undefined): string {
  const value = decodeURIComponent(cookie?.split("=")[1] ?? "");
  const match = /^s:([^.]+)\./.exec(value);
  if (!match?.[1]) throw new Error("no signed session cookie");
  return match[1];
}

/** Resolves when `emitter` emits `event`, or rejects after `ms`. */
export async function waitForEvent(
  emitter: { once(event: string, listener: () => void): unknown },
  event: string,
  ms: number,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${event} within ${ms} ms`)),
      ms,
    );
    emitter.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
