import type { CheckReport } from "./report.js";

/** Stable codes of {@link PlatformConfigError}. */
export const PlatformConfigErrorCode = {
  /** The environment breaks the start-up rules: the platform refuses to start. */
  Refused: "E_PLATFORM_CONFIG",
  /** An option given to a function of this package is invalid (a programming error). */
  InvalidOption: "E_INVALID_OPTION",
} as const;

/** One of the values of {@link PlatformConfigErrorCode}. */
export type PlatformConfigErrorCode =
  (typeof PlatformConfigErrorCode)[keyof typeof PlatformConfigErrorCode];

/**
 * Thrown by {@link assertPlatform} when the platform must not start (`code`
 * `E_PLATFORM_CONFIG`, `report` holds every problem, `message` is the text report), and for
 * invalid options (`code` `E_INVALID_OPTION`, no report). Never holds a secret value.
 */
export class PlatformConfigError extends Error {
  override readonly name = "PlatformConfigError";
  readonly code: PlatformConfigErrorCode;
  /** The full report, when the environment was checked. */
  readonly report: CheckReport | undefined;

  constructor(
    code: PlatformConfigErrorCode,
    message: string,
    report?: CheckReport,
  ) {
    super(message);
    this.code = code;
    this.report = report;
  }
}

/** True when `error` is a {@link PlatformConfigError}, optionally with the given code. */
export function isPlatformConfigError(
  error: unknown,
  code?: PlatformConfigErrorCode,
): error is PlatformConfigError {
  return (
    error instanceof PlatformConfigError &&
    (code === undefined || error.code === code)
  );
}
