/** Stable codes of {@link LoggingError}; match on these, never on messages. */
export const LoggingErrorCode = {
  /** An environment variable has a value outside its documented set. */
  InvalidEnv: "E_INVALID_ENV",
  /** An option given to a factory of this package is missing or malformed. */
  InvalidOption: "E_INVALID_OPTION",
} as const;

/** One of the values of {@link LoggingErrorCode}. */
export type LoggingErrorCode =
  (typeof LoggingErrorCode)[keyof typeof LoggingErrorCode];

/**
 * The configuration error of this package. `code` is stable; `variable` names the environment
 * variable or option at fault.
 */
export class LoggingError extends Error {
  override readonly name = "LoggingError";
  readonly code: LoggingErrorCode;
  readonly variable: string;

  constructor(code: LoggingErrorCode, variable: string, message: string) {
    super(message);
    this.code = code;
    this.variable = variable;
  }
}

/** True when `error` is a {@link LoggingError}, optionally with the given code. */
export function isLoggingError(
  error: unknown,
  code?: LoggingErrorCode,
): error is LoggingError {
  return (
    error instanceof LoggingError && (code === undefined || error.code === code)
  );
}
