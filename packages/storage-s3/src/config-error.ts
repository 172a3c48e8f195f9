import {
  ConfigError,
  FormatRule,
  isConfigError,
  type ConfigProblem,
} from "@cloud-platform/env";

/**
 * One thing wrong with the S3 configuration, as the package finds it. The error's
 * `problems` hold it with the {@link ConfigProblem} fields of every package added.
 */
export interface S3ConfigProblem {
  /** The environment variable (e.g. `AWS_REGION`) or option (e.g. `multipart.partSize`) at fault. */
  name: string;
  /** What is wrong and how to fix it; never the secret value itself. */
  problem: string;
}

/** The stable code of {@link S3ConfigError}. */
const CODE = "E_S3_CONFIG";

function toProblem(finding: S3ConfigProblem): ConfigProblem & S3ConfigProblem {
  return {
    variable: finding.name,
    rule:
      finding.problem === "is required" ? FormatRule.Required : "s3.invalid",
    message: `${finding.name} ${finding.problem}`,
    hint: `Fix ${finding.name}: it ${finding.problem}.`,
    name: finding.name,
    problem: finding.problem,
  };
}

/**
 * The S3 configuration is missing or malformed: thrown by `s3OptionsFromEnv` and
 * `createS3Store`, with every problem found (not only the first). Code `E_S3_CONFIG`. A
 * `ConfigError` of `@cloud-platform/env`: `isConfigError` recognises it.
 */
export class S3ConfigError extends ConfigError {
  override readonly name = "S3ConfigError";
  override readonly code = CODE;
  /** `variable`, `rule`, `message`, `hint` (as every package), and `name`, `problem` as before. */
  override readonly problems: readonly (ConfigProblem & S3ConfigProblem)[];

  constructor(findings: readonly S3ConfigProblem[]) {
    const problems = findings.map(toProblem);
    super(problems, {
      code: CODE,
      message: `invalid S3 configuration: ${findings.map((p) => `${p.name}: ${p.problem}`).join("; ")}`,
    });
    this.problems = problems;
  }
}

/**
 * True when `error` is an {@link S3ConfigError}, also one of another copy of this package
 * (a brand and the code, not `instanceof` alone).
 */
export function isS3ConfigError(error: unknown): error is S3ConfigError {
  return isConfigError(error, CODE);
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_LIKE = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * Why `name` is not a valid S3 bucket name (DNS-compatible: 3–63 characters of lower-case
 * letters, digits, dots and hyphens, starting and ending with a letter or digit), or
 * `undefined` when it is.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (!BUCKET.test(name)) {
    return `${JSON.stringify(name)} is not a valid bucket name (3-63 characters: a-z, 0-9, "." and "-", starting and ending with a letter or digit)`;
  }
  if (IP_LIKE.test(name) || name.includes(".."))
    return `${JSON.stringify(name)} is not a valid bucket name (no IP address form, no "..")`;
  return undefined;
}
