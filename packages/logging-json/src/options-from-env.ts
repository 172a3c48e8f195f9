import { LoggingError, LoggingErrorCode } from "./errors.js";
import { isLogLevel, type LogLevel } from "./levels.js";

/** What {@link loggingOptionsFromEnv} reads; spread it into `createLogger` options. */
export interface LoggingEnvOptions {
  /** `ODOO_LOGGING_JSON`: JSON lines when true, readable lines otherwise. */
  json: boolean;
  /** `LOG_LEVEL`: the most verbose level written. */
  level: LogLevel;
  /** `RUNNING_ENV`: written as `service.environment`. */
  environment: string;
}

/** The environment as `process.env` types it. */
export type Env = Readonly<Record<string, string | undefined>>;

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

/**
 * Maps the documented environment variables to logger options. Pure: pass `process.env` at
 * the edge of the application.
 *
 * - `ODOO_LOGGING_JSON` (default off): `1/true/yes/on` or `0/false/no/off`, any case.
 * - `LOG_LEVEL` (default `info`): `error`, `warn`, `info` or `debug`, any case.
 * - `RUNNING_ENV` (default `dev`): the environment name, kept as given (`labs-foo` stays
 *   `labs-foo`, the more useful value in Kibana).
 *
 * @throws {LoggingError} `E_INVALID_ENV` when a boolean or the level has another value.
 */
export function loggingOptionsFromEnv(env: Env): LoggingEnvOptions {
  return {
    json: parseBoolean(env, "ODOO_LOGGING_JSON", false),
    level: parseLevel(env, "LOG_LEVEL", "info"),
    environment: nonEmpty(env["RUNNING_ENV"]) ?? "dev",
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

function parseBoolean(env: Env, name: string, fallback: boolean): boolean {
  const value = nonEmpty(env[name]);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw new LoggingError(
    LoggingErrorCode.InvalidEnv,
    name,
    `${name} must be one of 1/true/yes/on or 0/false/no/off, got ${JSON.stringify(value.slice(0, 40))}`,
  );
}

function parseLevel(env: Env, name: string, fallback: LogLevel): LogLevel {
  const value = nonEmpty(env[name]);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (isLogLevel(lower)) return lower;
  throw new LoggingError(
    LoggingErrorCode.InvalidEnv,
    name,
    `${name} must be one of error, warn, info, debug, got ${JSON.stringify(value.slice(0, 40))}`,
  );
}
