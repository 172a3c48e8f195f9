import {
  ConfigError,
  isConfigError,
  type ConfigProblem,
} from "@cloud-platform/env";

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

const CODES: readonly unknown[] = Object.values(LoggingErrorCode);

/**
 * The configuration error of this package, a `ConfigError` of `@cloud-platform/env`
 * (`problems` holds the one problem; `isConfigError` recognises it). `code` is stable;
 * `variable` names the environment variable or option at fault.
 */
export class LoggingError extends ConfigError {
  override readonly name = "LoggingError";
  declare readonly code: LoggingErrorCode;
  readonly variable: string;

  constructor(
    code: LoggingErrorCode,
    variable: string,
    message: string,
    problem?: Omit<ConfigProblem, "variable" | "message">,
  ) {
    super(
      [
        {
          variable,
          rule: problem?.rule ?? "logging.invalid",
          message,
          hint:
            problem?.hint ?? `Fix ${variable} (see the logging-json README).`,
        },
      ],
      { code, message },
    );
    this.variable = variable;
  }
}

/**
 * True when `error` is a {@link LoggingError}, optionally with the given code, also one of
 * another copy of this package (a brand and the code, not `instanceof` alone).
 */
export function isLoggingError(
  error: unknown,
  code?: LoggingErrorCode,
): error is LoggingError {
  return (
    isConfigError(error) &&
    (error as { name?: unknown }).name === "LoggingError" &&
    CODES.includes(error.code) &&
    (code === undefined || error.code === code)
  );
}
