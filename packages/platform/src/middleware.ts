import type { Express, RequestHandler } from "express";
import session from "express-session";
import {
  accessLogMiddleware,
  requestContextMiddleware,
  setRequestContext,
} from "@cloud-platform/logging-json";
import { statsdMiddleware } from "@cloud-platform/metrics-statsd";
import {
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
 * The platform's middleware, in order: request context (request id) and access log,
 * metrics, the status and probe routes and `/metrics` (before sessions: they never create
 * one; the monitoring routes stay out of the access log), then sessions and the user's id
 * in the log context. A request without the session cookie gets its (new, empty) session
 * only when it reads `req.session`.
 */
export function installMiddleware(
  app: Express,
  platform: Platform,
  sessions: SessionSettings,
): void {
  app.use(requestContextMiddleware());
  app.use(
    accessLogMiddleware(platform.logger, { ignorePaths: MONITORING_PATHS }),
  );
  if (platform.statsd) app.use(statsdMiddleware(platform.statsd));
  if (platform.metrics) app.use(platform.metrics.middleware());
  const probes = probesOf(platform);
  app.get(
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
  );
  app.get("/monitoring/live", liveHandler());
  app.get(
    "/monitoring/ready",
    readyHandler(gatesOf(platform), readinessProbes(probes)),
  );
  if (platform.metrics) {
    const token = platform.config.prometheus?.token;
    app.get(
      "/metrics",
      platform.metrics.handler(token === undefined ? {} : { token }),
    );
  }
  const sessionMiddleware = session({
    name: sessions.cookieName,
    secret: sessions.secrets,
    store: platform.sessionStore,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: "lax", secure: "auto" },
  });
  app.use(
    deferSessionWithoutCookie(sessionMiddleware, {
      cookieName: sessions.cookieName,
    }),
  );
  const store = platform.sessionStore;
  if (store instanceof RedisSessionStore) {
    const [guard, onError] = sessionUnavailableHandler(store);
    const counted: RequestHandler = (req, res, next) => {
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
    };
    app.use(counted, onError);
  }
  app.use(userContext);
}
