import { randomBytes } from "node:crypto";
import { startGarbageDrain } from "./garbage-drain.js";
import { createServer, type RequestListener, type Server } from "node:http";
import type { ErrorRequestHandler, Express } from "express";
import session from "express-session";
import { createLogger, type Logger } from "@cloud-platform/logging-json";
import {
  createPrometheusMetrics,
  createStatsd,
  type PrometheusMetrics,
  type Statsd,
} from "@cloud-platform/metrics-statsd";
import {
  createRedisClient,
  createRedisSessionStore,
} from "@cloud-platform/session-redis";
import type { Redis } from "ioredis";
import type { Attachments } from "@cloud-platform/storage-core";
import type { SqlIndex } from "@cloud-platform/storage-sql";
import type { PlatformConfig } from "./config.js";
import { errorHandler } from "./error-handler.js";
import { installMiddleware } from "./middleware.js";
import type { ObjectStorage } from "./object-storage.js";
import {
  readPlatformSettings,
  refuseMisconfiguration,
  settingsBeforeOpening,
  type PlatformSettings,
} from "./settings.js";
import {
  createLifecycle,
  type ServeOptions,
  type ShutdownResult,
} from "./serve.js";
import {
  createStartUpMigration,
  type StartUpMigration,
} from "./startup-migration.js";
import type { PlatformMetrics } from "./platform-metrics.js";
import { openPlatformIndex, setUpAttachments } from "./storage.js";
import {
  countSessionErrors,
  metricSources,
  openPlatformMetrics,
} from "./platform-metrics-wiring.js";

/** The composed platform an application runs on. */
export interface Platform {
  readonly config: PlatformConfig;
  readonly logger: Logger;
  /** Kind and location recorded in the index database. */
  readonly settings: PlatformSettings;
  readonly index: SqlIndex;
  readonly attachments: Attachments;
  /** The express-session store: Redis when `ODOO_SESSION_REDIS` is on, else in memory. */
  readonly sessionStore: session.Store;
  readonly sessionCookieName: string;
  readonly statsd: Statsd | undefined;
  readonly metrics: PrometheusMetrics | undefined;
  /**
   * The platform's own metrics (object stores, migration, sessions, readiness), when
   * Prometheus or statsd is on; `stores` instruments a store of the app's own the same way.
   */
  readonly platformMetrics: PlatformMetrics | undefined;
  readonly objectStorage: ObjectStorage | undefined;
  /** The Redis client of the sessions, when they live in Redis (for deep status checks). */
  readonly redis: Redis | undefined;
  /** Largest upload accepted, in bytes (undefined: no limit). */
  readonly uploadLimit: number | undefined;
  /** The start-up migration of this process (run by `serve()` after listen). */
  readonly startUpMigration: StartUpMigration;
  /** True from the shutdown signal on: readiness answers 503. */
  readonly stopping: boolean;
  /**
   * Listens (`http.createServer(app)`), then runs the start-up migration in the background
   * (live, not ready, until it ends) and stops gracefully on SIGTERM/SIGINT, then exits.
   * Resolves with the listening server.
   *
   * @throws the listen error (e.g. `EADDRINUSE`); Error when called twice
   */
  serve(app: RequestListener, options?: ServeOptions): Promise<Server>;
  /**
   * The graceful stop (what a signal runs, without exiting): not ready at once, drain delay,
   * refuse new connections, let in-flight requests finish until the deadline, then close the
   * platform. Idempotent.
   */
  shutdown(reason?: string): Promise<ShutdownResult>;
  /** Installs request context, access log, metrics, status route, `/metrics` and sessions. */
  middleware(app: Express): void;
  /** The last error handler: storage errors become 4xx/5xx answers with a JSON body. */
  errorHandler(): ErrorRequestHandler;
  /** Closes everything the platform opened (index, Redis, statsd, stores), once. */
  close(): Promise<void>;
}

/** What an application may add or replace. */
export interface CreatePlatformOptions {
  /** A logger of yours (else one from `ODOO_LOGGING_JSON`, `LOG_LEVEL`). */
  logger?: Logger;
  /** Largest upload, in bytes. @default no limit */
  uploadLimit?: number;
  /** Session cookie name. @default 'session_id' */
  sessionCookieName?: string;
  /**
   * How often the garbage queue (bytes of deleted attachments a failed or interrupted
   * deletion left behind) is drained, in ms, by one process at a time; `0` turns it off.
   * @default 600000 (10 minutes)
   */
  garbageDrainIntervalMs?: number;
}

type Closer = () => Promise<void> | void;

/** Redis sessions on a client the platform owns (it pings it for deep status), else memory. */
function openSessions(
  config: PlatformConfig,
  logger: Logger,
  closers: Closer[],
): { store: session.Store; redis: Redis | undefined } {
  const options = config.session;
  if (!options?.enabled) {
    logger.warn(
      "sessions are kept in process memory (ODOO_SESSION_REDIS is off): they end with this process",
    );
    return { store: new session.MemoryStore(), redis: undefined };
  }
  const redis = createRedisClient(options.connection);
  closers.push(() => redis.disconnect());
  const store = createRedisSessionStore({
    client: redis,
    prefix: options.prefix,
    ttl: options.ttl,
    anonymousTtl: options.anonymousTtl,
    logger,
  });
  closers.push(() => store.close());
  return { store, redis };
}

async function closeAll(closers: Closer[], logger: Logger): Promise<void> {
  for (const close of closers.reverse()) {
    try {
      await close();
    } catch (error) {
      logger.error("error while closing the platform", { error });
    }
  }
}

function sessionSecrets(config: PlatformConfig, logger: Logger): string[] {
  if (config.sessionSecrets.length > 0) return config.sessionSecrets;
  if (config.session?.enabled) {
    throw new Error(
      "SESSION_SECRET is required when sessions live in Redis: every front-end must sign cookies with the same secret",
    );
  }
  logger.warn(
    "SESSION_SECRET is not set: sessions are signed with a random secret and end with this process",
  );
  return [randomBytes(32).toString("hex")];
}

/**
 * Starts the platform: config → index database → start-up checks (refuses to start with
 * the full report unless `ODOO_CLOUD_PLATFORM_UNSAFE`) → stores → sessions and metrics.
 * The migration of an upgrade runs later, in the background, once `serve()` listens (or
 * when `startUpMigration.start()` is called by an app that listens by itself).
 *
 * @throws PlatformConfigError with the report when the configuration is wrong
 */
export async function createPlatform(
  config: PlatformConfig,
  options: CreatePlatformOptions = {},
): Promise<Platform> {
  const logger =
    options.logger ??
    createLogger({
      service: {
        name: config.serviceName,
        version: config.appVersion,
        // A RUNNING_ENV naming no environment may be a pasted key: never written to logs.
        environment:
          config.environment === "unknown" ? "unknown" : config.runningEnv,
      },
      json: config.logging?.json ?? false,
      level: config.logging?.level ?? "info",
    });
  // Closed in reverse order: a logger of our own goes last, so closing errors are written.
  const closers: Closer[] = options.logger ? [] : [() => logger.close()];
  try {
    // Refused whatever the database says (a shared environment on a local SQLite file):
    // refuse before opening it, which would create the file.
    const unopened = settingsBeforeOpening(config);
    if (unopened) refuseMisconfiguration(config, unopened, logger);
    const index = await openPlatformIndex(config);
    closers.push(() => index.close());
    const settings = await readPlatformSettings(index);
    refuseMisconfiguration(config, settings, logger);
    const statsd = config.statsd
      ? createStatsd({
          ...config.statsd,
          onError: (error) => logger.warn("statsd send failed", { error }),
        })
      : undefined;
    if (statsd) closers.push(() => statsd.close());
    const metrics = config.prometheus
      ? createPrometheusMetrics({
          environment: config.prometheus.environment,
          ...(config.prometheus.customer === undefined
            ? {}
            : { customer: config.prometheus.customer }),
        })
      : undefined;
    if (metrics) closers.push(() => metrics.close());
    const own = openPlatformMetrics(metrics, statsd, logger);
    if (own) closers.push(() => own.close());

    const { attachments, objectStorage } = setUpAttachments(
      config,
      index,
      settings.kind,
      {
        onWarning: (m) => logger.warn(m),
        ...(own ? { observer: own.stores } : {}),
      },
    );
    if (objectStorage) closers.push(() => objectStorage.close());
    const drain = startGarbageDrain({
      attachments,
      index,
      logger,
      intervalMs: options.garbageDrainIntervalMs ?? 600_000,
    });
    closers.push(() => drain.stop());
    const startUpMigration = createStartUpMigration(
      attachments,
      config.appVersion,
      logger,
      own ? (status) => own.migrationItem(status) : undefined,
    );

    const { store: sessionStore, redis } = openSessions(
      config,
      logger,
      closers,
    );
    if (own) countSessionErrors(sessionStore, (op) => own.sessionError(op));

    const secrets = sessionSecrets(config, logger);
    const cookieName = options.sessionCookieName ?? "session_id";
    let closed: Promise<void> | undefined;
    const close = (): Promise<void> => (closed ??= closeAll(closers, logger));
    const lifecycle = createLifecycle(
      { logger, shutdown: config.shutdown, migration: startUpMigration, close },
      (app) => createServer(app),
    );
    const platform: Platform = {
      config,
      logger,
      settings,
      index,
      attachments,
      sessionStore,
      sessionCookieName: cookieName,
      statsd,
      metrics,
      platformMetrics: own,
      objectStorage,
      redis,
      uploadLimit: options.uploadLimit,
      startUpMigration,
      get stopping() {
        return lifecycle.stopping;
      },
      serve: (app, serveOptions) => lifecycle.serve(app, serveOptions),
      shutdown: (reason) => lifecycle.shutdown(reason),
      middleware: (app) =>
        installMiddleware(app, platform, { secrets, cookieName }),
      errorHandler: () => errorHandler(logger),
      close,
    };
    own?.start(metricSources(platform));
    logger.info("platform ready", {
      environment: config.runningEnv,
      kind: settings.kind ?? "none",
      location: settings.location,
    });
    return platform;
  } catch (error) {
    await closeAll(closers, logger);
    throw error;
  }
}
