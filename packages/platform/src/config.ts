import {
  loggingOptionsFromEnv,
  type LoggingEnvOptions,
} from "@cloud-platform/logging-json";
import {
  prometheusOptionsFromEnv,
  statsdOptionsFromEnv,
  type PrometheusEnvOptions,
  type StatsdEnvOptions,
} from "@cloud-platform/metrics-statsd";
import {
  ConfigError,
  FormatRule,
  createEnvReader,
  show,
  type EnvReader,
} from "@cloud-platform/env";
import {
  DEFAULT_SQLITE_PATH,
  indexDatabaseName,
} from "@cloud-platform/storage-sql";
import {
  readPlatformEnv,
  type Environment,
  type PlatformKind,
  type PlatformValues,
} from "@cloud-platform/platform-checks";
import {
  objectStorageOptionsFromEnv,
  type ObjectStorageConfig,
} from "./object-storage-config.js";
import {
  redisSessionOptionsFromEnv,
  type RedisSessionEnvOptions,
} from "@cloud-platform/session-redis";

/** The environment, as `process.env` gives it. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * `CLOUD_PLATFORM_CORS_ORIGINS`: origins separated by commas or spaces; `undefined` when
 * unset (CORS is left as it is), `[]` when set but empty (the rule is removed).
 */
export function corsOriginsFromEnv(env: Env): string[] | undefined {
  const raw = env["CLOUD_PLATFORM_CORS_ORIGINS"];
  if (raw === undefined) return undefined;
  return raw
    .trim()
    .split(/[\s,]+/)
    .filter((origin) => origin !== "");
}

/** Everything the platform needs, read from the environment once. */
export interface PlatformConfig {
  /**
   * What the start-up checks judge, parsed here once: `checkPlatform(config.checks, …)`.
   * Nothing reads the environment after {@link loadPlatformConfig}.
   */
  checks: PlatformValues;
  /** `RUNNING_ENV` as given. @default 'dev' */
  runningEnv: string;
  /** `prod`, `integration`, `test`, `dev`, `labs`, or `unknown`. */
  environment: Environment;
  /** `CLOUD_PLATFORM_KIND`, when set to a known kind. */
  kind: PlatformKind | undefined;
  /** `DATABASE_URL`: `postgres://…` or a SQLite path. @default './data/cloud-platform.sqlite' */
  databaseUrl: string;
  /** `FILESTORE_PATH`. @default './data/filestore' */
  filestorePath: string;
  /** `APP_VERSION`, else the version given by the app. */
  appVersion: string;
  /** Name of the service in logs and metrics. */
  serviceName: string;
  /** `DISABLE_ATTACHMENT_STORAGE`: new files go to the database, migrations are skipped. */
  disableObjectStorage: boolean;
  /** `SESSION_SECRET`, comma-separated (the first signs, all verify: rotation). */
  sessionSecrets: string[];
  logging: LoggingEnvOptions | undefined;
  session: RedisSessionEnvOptions | undefined;
  statsd: StatsdEnvOptions | undefined;
  prometheus: PrometheusEnvOptions | undefined;
  /**
   * The S3 and Swift options, `{db}` replaced by {@link databaseName}; each kind's mapping
   * error is kept and raised only when that kind's store is opened.
   */
  objectStorage: ObjectStorageConfig;
  /**
   * What `{db}` in `AWS_BUCKETNAME` / `SWIFT_WRITE_CONTAINER` stands for: the database named
   * by `DATABASE_URL` (`postgres` when the URL names none), or a SQLite file's name without
   * its extension (`./data/cloud-platform.sqlite` → `cloud-platform`), as the index says.
   */
  databaseName: string;
  /**
   * `CLOUD_PLATFORM_CORS_ORIGINS` (commas or spaces): `undefined` when unset (CORS is left
   * as it is), `[]` when set but empty (`install` removes the rule).
   */
  corsOrigins: string[] | undefined;
  /** How `platform.serve()` stops on SIGTERM/SIGINT. */
  shutdown: ShutdownConfig;
  /**
   * Variables the package mappers refused. The start-up checks report the same variables
   * with hints; these errors are raised only when the checks are skipped.
   */
  errors: Error[];
}

/** The graceful shutdown's timings. */
export interface ShutdownConfig {
  /**
   * `CLOUD_PLATFORM_DRAIN_DELAY` (seconds): how long the process keeps serving, not ready,
   * after the signal, so the load balancer notices before connections are refused. @default 5 s
   */
  drainDelayMs: number;
  /**
   * `CLOUD_PLATFORM_SHUTDOWN_TIMEOUT` (seconds): after the drain delay, how long in-flight
   * requests may take before their connections are cut. @default 20 s
   */
  timeoutMs: number;
}

/** What the application adds to its environment. */
export interface LoadConfigOptions {
  /** The application's version (its package.json), used when `APP_VERSION` is unset. */
  appVersion?: string;
  /** The service name in logs and metrics. @default 'cloud-platform-app' */
  serviceName?: string;
}

function attempt<T>(errors: Error[], read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    errors.push(error instanceof Error ? error : new Error(String(error)));
    return undefined;
  }
}

/** A duration in seconds (decimals allowed: `0.5`), as milliseconds; unset gives `fallback`. */
function seconds(read: EnvReader, name: string, fallback: number): number {
  const value = read.text(name);
  if (value === undefined) return fallback;
  if (/^\d{1,9}(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  read.problems.push({
    variable: name,
    rule: FormatRule.Seconds,
    message: `${name}=${show(value, read.secrets)} is not a number of seconds.`,
    hint: `Set ${name} to a number of seconds (e.g. 5 or 0.5), or leave it unset for the default.`,
  });
  return fallback;
}

/**
 * Reads the platform's configuration from `env` (pure: pass `process.env`). It never
 * throws for a bad value: problems are collected in `errors` and reported, all at once,
 * by the start-up checks.
 */
export function loadPlatformConfig(
  env: Env,
  options: LoadConfigOptions = {},
): PlatformConfig {
  const errors: Error[] = [];
  const read = createEnvReader(env);
  const runningEnv = read.text("RUNNING_ENV") ?? "dev";
  const kindValue = read.text("CLOUD_PLATFORM_KIND");
  const disable = read.boolean("DISABLE_ATTACHMENT_STORAGE", false);
  const shutdown = {
    drainDelayMs: seconds(read, "CLOUD_PLATFORM_DRAIN_DELAY", 5000),
    timeoutMs: seconds(read, "CLOUD_PLATFORM_SHUTDOWN_TIMEOUT", 20_000),
  };
  const sessionSecrets = read.list("SESSION_SECRET");
  for (const problem of read.problems) errors.push(new ConfigError([problem]));
  const databaseUrl = read.text("DATABASE_URL") ?? DEFAULT_SQLITE_PATH;
  const databaseName = indexDatabaseName(databaseUrl);
  const checks = readPlatformEnv(env);
  return {
    checks,
    runningEnv,
    environment: checks.environment,
    kind:
      kindValue === "exoscale" || kindValue === "ovh" ? kindValue : undefined,
    databaseUrl,
    filestorePath: read.text("FILESTORE_PATH") ?? "./data/filestore",
    appVersion: read.text("APP_VERSION") ?? options.appVersion ?? "0.0.0",
    serviceName: options.serviceName ?? "cloud-platform-app",
    disableObjectStorage: disable,
    sessionSecrets,
    logging: attempt(errors, () => loggingOptionsFromEnv(env)),
    session: attempt(errors, () => redisSessionOptionsFromEnv(env)),
    statsd: attempt(errors, () => statsdOptionsFromEnv(env)),
    prometheus: attempt(errors, () => prometheusOptionsFromEnv(env)),
    objectStorage: objectStorageOptionsFromEnv(env, databaseName),
    databaseName,
    corsOrigins: corsOriginsFromEnv(env),
    shutdown,
    errors,
  };
}
