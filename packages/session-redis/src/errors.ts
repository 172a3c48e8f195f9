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

/** Error thrown or passed to callbacks by this package; `code` is stable, `message` is not. */
export class RedisSessionError extends Error {
  override readonly name = "RedisSessionError";
  /** Stable code to branch on. */
  readonly code: RedisSessionErrorCode;
  /** Every problem found, for `E_CONFIG` (empty otherwise). */
  readonly issues: readonly ConfigIssue[];

  constructor(
    code: RedisSessionErrorCode,
    message: string,
    options: { cause?: unknown; issues?: readonly ConfigIssue[] } = {},
  ) {
    super(
      message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.issues = options.issues ?? [];
  }
}

/** True when `err` is a {@link RedisSessionError} (optionally with the given code). */
export function isRedisSessionError(
  err: unknown,
  code?: RedisSessionErrorCode,
): err is RedisSessionError {
  return (
    err instanceof RedisSessionError &&
    (code === undefined || err.code === code)
  );
}
