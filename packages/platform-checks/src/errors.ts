import {
  ConfigError,
  brand,
  hasBrand,
  type ConfigProblem,
} from "@cloud-platform/env";
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

// A registered symbol, as `@cloud-platform/env` does: two copies of this package agree.
const BRAND = "@cloud-platform/platform-checks.PlatformConfigError";

function problemsOf(
  message: string,
  report: CheckReport | undefined,
): readonly ConfigProblem[] {
  if (report) return report.problems;
  return [
    {
      variable: "options",
      rule: "option.invalid",
      message,
      hint: "Pass the options the function's documentation lists.",
    },
  ];
}

/**
 * Thrown by {@link assertPlatform} when the platform must not start (`code`
 * `E_PLATFORM_CONFIG`, `report` holds every problem, `message` is the text report), and for
 * invalid options (`code` `E_INVALID_OPTION`, no report). A `ConfigError` of
 * `@cloud-platform/env`: `problems` are the report's problems (`variable`, `rule`,
 * `message`, `hint`), and `isConfigError` recognises it. Never holds a secret value.
 */
export class PlatformConfigError extends ConfigError {
  override readonly name = "PlatformConfigError";
  declare readonly code: PlatformConfigErrorCode;
  /** The full report, when the environment was checked. */
  readonly report: CheckReport | undefined;

  constructor(
    code: PlatformConfigErrorCode,
    message: string,
    report?: CheckReport,
  ) {
    super(problemsOf(message, report), { code, message });
    this.report = report;
    brand(this, BRAND);
  }
}

/**
 * True when `error` is a {@link PlatformConfigError}, optionally with the given code, also
 * one of another copy of this package (a registered brand, not `instanceof` alone).
 */
export function isPlatformConfigError(
  error: unknown,
  code?: PlatformConfigErrorCode,
): error is PlatformConfigError {
  return hasBrand(error, BRAND, code);
}
