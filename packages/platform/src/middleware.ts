import type { ErrorRequestHandler, Express, RequestHandler } from "express";
import session from "express-session";
import {
  accessLogMiddleware,
  requestContextMiddleware,
  setRequestContext,
} from "@cloud-platform/logging-json";
import { statsdMiddleware } from "@cloud-platform/metrics-statsd";
import {
  catchLateSessionErrors,
  deferSessionWithoutCookie,
  isSessionDeferred,
  RedisSessionStore,
  sessionUnavailableHandler,
} from "@cloud-platform/session-redis";
import type { Platform } from "./platform.js";
import { liveHandler, readyHandler, type ReadinessGate } from "./probes.js";
import { statusHandler, type StatusProbe } from "./status.js";

/** How the platform's sessions are signed and named. */
export interface SessionSettings {
  secrets: string[];
  cookieName: string;
}

/** The dependencies deep status pings: the index, Redis when on, the object store. */
export function probesOf(platform: Platform): StatusProbe[] {
  const probes: StatusProbe[] = [
    { name: "database", ping: () => platform.index.ping() },
  ];
  const { redis, objectStorage } = platform;
  if (redis)
    probes.push({
      name: "redis",
      // A client that knows it is disconnected says so at once, without queueing a command.
      ping: () =>
        ["reconnecting", "close", "end"].includes(redis.status)
          ? Promise.reject(new Error(`redis is ${redis.status}`))
          : redis.ping(),
    });
  if (objectStorage)
    probes.push({ name: "object-storage", ping: () => objectStorage.probe() });
  return probes;
}

/** What keeps a process that runs from being ready: its shutdown, its start-up migration. */
export function gatesOf(platform: Platform): ReadinessGate[] {
  return [
    {
      name: "shutdown",
      blocking: () =>
        platform.stopping ? "the process is shutting down" : undefined,
    },
    {
      name: "migration",
      blocking: () => {
        if (!platform.startUpMigration.busy) return undefined;
        const { done, total } = platform.startUpMigration.status();
        return `the start-up migration is running (${done}/${total} files)`;
      },
    },
  ];
}

/** Readiness asks what a request needs (index, sessions); the object store has deep status. */
export function readinessProbes(probes: readonly StatusProbe[]): StatusProbe[] {
  return probes.filter((p) => p.name !== "object-storage");
}

const MONITORING_PATHS = [
  "/monitoring/status",
  "/monitoring/live",
  "/monitoring/ready",
];

/** Puts the session's user (`uid`) in the request context, so every log line carries it. */
const userContext: RequestHandler = (req, _res, next) => {
  // A request without a session cookie has no user yet; reading would create its session.
  if (isSessionDeferred(req)) {
    next();
    return;
  }
  const uid = (req.session as { uid?: unknown } | undefined)?.uid;
  if (typeof uid === "string" || typeof uid === "number")
    setRequestContext({ uid: String(uid) });
  next();
};

/**
 * Runs `handlers` in order as one Express layer. The router's cost per layer (matching,
 * its bookkeeping between layers) was paid for each of the platform's pieces on every
 * request; here a piece's `next()` calls the following piece directly. An error (or a
 * throw) leaves the chain for the app's next error handler, as from a layer of its own.
 */
export function chainHandlers(
  handlers: readonly RequestHandler[],
): RequestHandler {
  const [only] = handlers;
  if (handlers.length === 1 && only !== undefined) return only;
  return function chained(req, res, next) {
    let at = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        next(error);
        return;
      }
      const handler = handlers[at++];
      if (handler === undefined) {
        next();
        return;
      }
      try {
        void handler(req, res, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}

/**
 * GET (and HEAD) routes on exact paths in one layer: a map look-up instead of one layer per
 * route that every request of the app walks through. Paths match as Express's do by default
 * (any case, an optional trailing slash).
 */
function exactGetRoutes(
  routes: ReadonlyMap<string, RequestHandler>,
): RequestHandler {
  // Most requests are for other paths: a length test turns them away without a look-up.
  const lengths = new Set([...routes.keys()].map((path) => path.length));
  return function monitoringRoutes(req, res, next) {
    if (req.method !== "GET" && req.method !== "HEAD") {
      next();
      return;
    }
    let path = req.path;
    if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
    if (!lengths.has(path.length)) {
      next();
      return;
    }
    const handler = routes.get(path) ?? routes.get(path.toLowerCase());
    if (handler === undefined) {
      next();
      return;
    }
    void handler(req, res, next);
  };
}

/**
 * The platform's middleware, in order: request context (request id) and access log,
 * metrics, the status and probe routes and `/metrics` (before sessions: they never create
 * one; the monitoring routes stay out of the access log), then sessions and the user's id
 * in the log context. A request without the session cookie gets its (new, empty) session
 * only when it reads `req.session`. Three layers in the app's router (four with Redis
 * sessions), whatever the number of pieces.
 */
export function installMiddleware(
  app: Express,
  platform: Platform,
  sessions: SessionSettings,
): void {
  const front: RequestHandler[] = [
    requestContextMiddleware(),
    accessLogMiddleware(platform.logger, { ignorePaths: MONITORING_PATHS }),
  ];
  if (platform.statsd) front.push(statsdMiddleware(platform.statsd));
  if (platform.metrics) front.push(platform.metrics.middleware());
  app.use(chainHandlers(front));
  const probes = probesOf(platform);
  const routes = new Map<string, RequestHandler>([
    [
      "/monitoring/status",
      statusHandler(probes, () => {
        // Shown while this process migrates and once it had files to move (a plain restart,
        // or a first start with nothing to move, keeps the usual answer).
        const migration = platform.startUpMigration.status();
        const quiet =
          migration.state === "idle" ||
          migration.state === "not-needed" ||
          (migration.state === "done" && migration.total === 0);
        return quiet ? {} : { migration };
      }),
    ],
    ["/monitoring/live", liveHandler()],
    [
      "/monitoring/ready",
      readyHandler(gatesOf(platform), readinessProbes(probes)),
    ],
  ]);
  if (platform.metrics) {
    const token = platform.config.prometheus?.token;
    routes.set(
      "/metrics",
      platform.metrics.handler(token === undefined ? {} : { token }),
    );
  }
  app.use(exactGetRoutes(routes));
  const sessionMiddleware = session({
    name: sessions.cookieName,
    secret: sessions.secrets,
    store: platform.sessionStore,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: "lax", secure: "auto" },
  });
  const deferred = deferSessionWithoutCookie(sessionMiddleware, {
    cookieName: sessions.cookieName,
  });
  const back: RequestHandler[] = [];
  const store = platform.sessionStore;
  let onError: ErrorRequestHandler | undefined;
  if (store instanceof RedisSessionStore) {
    const [guard, handler] = sessionUnavailableHandler(store);
    onError = handler;
    // A save that fails once the route answered goes to the guard's handler too, not to
    // Express's final handler (which would break the connection of a complete answer).
    back.push(catchLateSessionErrors(deferred, handler));
    back.push((req, res, next) => {
      // The usual case, Redis up: the guard passes every request, no closure needed.
      if (store.isAvailable) {
        next();
        return;
      }
      const seen = { passed: false };
      guard(req, res, (error?: unknown) => {
        seen.passed = true;
        next(error);
      });
      // The guard answered 503 itself: a request refused for want of the session store.
      if (!seen.passed) platform.platformMetrics?.sessionError("unavailable");
    });
  } else back.push(deferred);
  back.push(userContext);
  // A session error (Redis lost while the request waited) goes to the guard's error handler.
  if (onError) app.use(chainHandlers(back), onError);
  else app.use(chainHandlers(back));
}
