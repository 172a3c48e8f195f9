import { createEnvReader, show, type Env } from "@cloud-platform/env";
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
export type { Env };

/**
 * Maps the documented environment variables to logger options. Pure: pass `process.env` at
 * the edge of the application. Read with `@cloud-platform/env` (one trim policy, values in
 * messages redacted before they are cut).
 *
 * - `ODOO_LOGGING_JSON` (default off): `1/true/yes/on` or `0/false/no/off`, any case.
 * - `LOG_LEVEL` (default `info`): `error`, `warn`, `info` or `debug`, any case.
 * - `RUNNING_ENV` (default `dev`): the environment name, kept as given (`labs-foo` stays
 *   `labs-foo`, the more useful value in Kibana).
 *
 * @throws {LoggingError} `E_INVALID_ENV` when a boolean or the level has another value.
 */
export function loggingOptionsFromEnv(env: Env): LoggingEnvOptions {
  const read = createEnvReader(env);
  const json = read.boolean("ODOO_LOGGING_JSON", false);
  const bad = read.problems[0];
  if (bad)
    throw new LoggingError(
      LoggingErrorCode.InvalidEnv,
      bad.variable,
      bad.message,
      bad,
    );
  return {
    json,
    level: parseLevel(read.text("LOG_LEVEL"), "info"),
    environment: read.text("RUNNING_ENV") ?? "dev",
  };
}

function parseLevel(value: string | undefined, fallback: LogLevel): LogLevel {
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (isLogLevel(lower)) return lower;
  throw new LoggingError(
    LoggingErrorCode.InvalidEnv,
    "LOG_LEVEL",
    `LOG_LEVEL must be one of error, warn, info, debug, got ${show(value)}`,
  );
}
