import {
  ConfigError,
  isConfigError,
  type ConfigProblem,
} from "@cloud-platform/env";

/**
 * One problem found in the Swift configuration, as the package finds it. The error's
 * `problems` hold it with the {@link ConfigProblem} fields of every package added.
 */
export interface SwiftConfigProblem {
  /** The environment variable (`SWIFT_ACCOUNT`) or option path (`auth.password`) concerned. */
  name: string;
  /** What is wrong, never the value itself (it may be a secret). */
  message: string;
}

/** The stable code of {@link SwiftConfigError}. */
const CODE = "E_SWIFT_CONFIG";

function toProblem(
  finding: SwiftConfigProblem,
): ConfigProblem & SwiftConfigProblem {
  return {
    variable: finding.name,
    rule: "swift.invalid",
    message: finding.message,
    hint: `Fix ${finding.name} (see the storage-swift README for its form).`,
    name: finding.name,
  };
}

/**
 * Thrown by `swiftOptionsFromEnv` and `createSwiftStore` when the configuration is unusable.
 * It lists every problem at once; no secret value is ever part of it. A `ConfigError` of
 * `@cloud-platform/env`: `isConfigError` recognises it.
 */
export class SwiftConfigError extends ConfigError {
  override readonly name = "SwiftConfigError";
  /** Stable code: always `E_SWIFT_CONFIG`. */
  override readonly code = CODE;
  /**
   * Every problem found, in the order checked: `variable`, `rule`, `message`, `hint` (as
   * every package) and `name` as before.
   */
  override readonly problems: readonly (ConfigProblem & SwiftConfigProblem)[];

  constructor(findings: readonly SwiftConfigProblem[]) {
    const problems = findings.map(toProblem);
    super(problems, {
      code: CODE,
      message: `invalid Swift configuration: ${findings.map((p) => `${p.name}: ${p.message}`).join("; ")}`,
    });
    this.problems = problems;
  }
}

/**
 * True when `error` is a {@link SwiftConfigError}, also one of another copy of this package
 * (a brand and the code, not `instanceof` alone).
 */
export function isSwiftConfigError(error: unknown): error is SwiftConfigError {
  return isConfigError(error, CODE);
}
