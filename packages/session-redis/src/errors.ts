import {
  ConfigError,
  brand,
  hasBrand,
  type ConfigProblem,
} from "@cloud-platform/env";

/**
 * Stable error codes of this package:
 * - `E_UNAVAILABLE`: Redis did not answer in time, or the connection is down;
 * - `E_CONFIG`: the environment variables do not describe a usable configuration;
 * - `E_INVALID_OPTION`: an option passed to the store or a factory is invalid.
 */
export type RedisSessionErrorCode =
  "E_UNAVAILABLE" | "E_CONFIG" | "E_INVALID_OPTION";

/** One problem found in the environment: which variable, and what is wrong with it. */
export interface ConfigIssue {
  /** The variable name, e.g. `ODOO_SESSION_REDIS_PORT`. */
  variable: string;
  /** What is wrong; never contains the variable's value when it may be secret. */
  message: string;
}

/** Options of {@link RedisSessionError}. */
export interface RedisSessionErrorOptions {
  cause?: unknown;
  /** Every problem found in the environment (`E_CONFIG`). */
  issues?: readonly ConfigIssue[];
  /** The same problems in the shape of every package; built from `issues` when not given. */
  problems?: readonly ConfigProblem[];
}

// A registered symbol, as `@cloud-platform/env` does: two copies of this package agree.
const BRAND = "@cloud-platform/session-redis.RedisSessionError";

/** An issue in the problem shape of every package (`rule` `redis.config`). */
export function issueProblem(issue: ConfigIssue): ConfigProblem {
  return {
    variable: issue.variable,
    rule: "redis.config",
    message: issue.message,
    hint: `Fix ${issue.variable}: ${issue.message}.`,
  };
}

function problemsOf(
  code: RedisSessionErrorCode,
  message: string,
  options: RedisSessionErrorOptions,
): readonly ConfigProblem[] {
  if (options.problems) return options.problems;
  if (options.issues && options.issues.length > 0)
    return options.issues.map(issueProblem);
  if (code === "E_UNAVAILABLE") return [];
  return [
    {
      variable: "options",
      rule: "option.invalid",
      message,
      hint: "See the options of the session-redis README.",
    },
  ];
}

/**
 * Error thrown or passed to callbacks by this package; `code` is stable, `message` is not.
 * A `ConfigError` of `@cloud-platform/env` (`problems`, recognised by `isConfigError`) for
 * `E_CONFIG` and `E_INVALID_OPTION`; `E_UNAVAILABLE` is no configuration error.
 */
export class RedisSessionError extends ConfigError {
  override readonly name = "RedisSessionError";
  /** Stable code to branch on. */
  declare readonly code: RedisSessionErrorCode;
  /** Every problem found, for `E_CONFIG` (empty otherwise). */
  readonly issues: readonly ConfigIssue[];

  constructor(
    code: RedisSessionErrorCode,
    message: string,
    options: RedisSessionErrorOptions = {},
  ) {
    super(problemsOf(code, message, options), {
      code,
      message,
      cause: options.cause,
      configuration: code !== "E_UNAVAILABLE",
    });
    this.issues = options.issues ?? [];
    brand(this, BRAND);
  }
}

/**
 * True when `err` is a {@link RedisSessionError} (optionally with the given code), also one
 * of another copy of this package (a registered brand, not `instanceof` alone).
 */
export function isRedisSessionError(
  err: unknown,
  code?: RedisSessionErrorCode,
): err is RedisSessionError {
  return hasBrand(err, BRAND, code);
}
