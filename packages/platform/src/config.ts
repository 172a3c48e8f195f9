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
  parseStrictBoolean,
  resolveEnvironment,
  type Environment,
  type PlatformKind,
} from "@cloud-platform/platform-checks";
import {
  redisSessionOptionsFromEnv,
  type RedisSessionEnvOptions,
} from "@cloud-platform/session-redis";

/** The environment, as `process.env` gives it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Everything the platform needs, read from the environment once. */
export interface PlatformConfig {
  /** The environment it was read from (the start-up checks read it again, whole). */
  env: Env;
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

const text = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
};

/** A duration in seconds (decimals allowed), as milliseconds. */
function seconds(
  env: Env,
  name: string,
  fallback: number,
  errors: Error[],
): number {
  const value = text(env, name);
  if (value === undefined) return fallback;
  const parsed = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isFinite(parsed)) return Math.round(parsed * 1000);
  errors.push(new Error(`${name} must be a number of seconds (e.g. 5 or 0.5)`));
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
  const runningEnv = text(env, "RUNNING_ENV") ?? "dev";
  const kindValue = text(env, "CLOUD_PLATFORM_KIND");
  const databaseUrl =
    text(env, "DATABASE_URL") ?? "./data/cloud-platform.sqlite";
  const disableValue = text(env, "DISABLE_ATTACHMENT_STORAGE");
  const disable =
    disableValue === undefined ? false : parseStrictBoolean(disableValue);
  if (disable === undefined)
    errors.push(
      new Error(
        "DISABLE_ATTACHMENT_STORAGE must be 1/true/yes/on or 0/false/no/off",
      ),
    );
  return {
    env,
    runningEnv,
    environment: resolveEnvironment(runningEnv),
    kind:
      kindValue === "exoscale" || kindValue === "ovh" ? kindValue : undefined,
    databaseUrl,
    filestorePath: text(env, "FILESTORE_PATH") ?? "./data/filestore",
    appVersion: text(env, "APP_VERSION") ?? options.appVersion ?? "0.0.0",
    serviceName: options.serviceName ?? "cloud-platform-app",
    disableObjectStorage: disable === true,
    sessionSecrets: (env.SESSION_SECRET ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    logging: attempt(errors, () => loggingOptionsFromEnv(env)),
    session: attempt(errors, () => redisSessionOptionsFromEnv(env)),
    statsd: attempt(errors, () => statsdOptionsFromEnv(env)),
    prometheus: attempt(errors, () => prometheusOptionsFromEnv(env)),
    shutdown: {
      drainDelayMs: seconds(env, "CLOUD_PLATFORM_DRAIN_DELAY", 5000, errors),
      timeoutMs: seconds(
        env,
        "CLOUD_PLATFORM_SHUTDOWN_TIMEOUT",
        20_000,
        errors,
      ),
    },
    errors,
  };
}
