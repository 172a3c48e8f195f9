/** One problem found in the Swift configuration. */
export interface SwiftConfigProblem {
  /** The environment variable (`SWIFT_ACCOUNT`) or option path (`auth.password`) concerned. */
  name: string;
  /** What is wrong, never the value itself (it may be a secret). */
  message: string;
}

/**
 * Thrown by `swiftOptionsFromEnv` and `createSwiftStore` when the configuration is unusable.
 * It lists every problem at once; no secret value is ever part of it.
 */
export class SwiftConfigError extends Error {
  override readonly name = "SwiftConfigError";
  /** Stable code: always `E_SWIFT_CONFIG`. */
  readonly code = "E_SWIFT_CONFIG";
  /** Every problem found, in the order checked. */
  readonly problems: readonly SwiftConfigProblem[];

  constructor(problems: readonly SwiftConfigProblem[]) {
    super(
      `invalid Swift configuration: ${problems.map((p) => `${p.name}: ${p.message}`).join("; ")}`,
    );
    this.problems = problems;
  }
}

/** True when `error` is a {@link SwiftConfigError}. */
export function isSwiftConfigError(error: unknown): error is SwiftConfigError {
  return error instanceof SwiftConfigError;
}
