/** One thing wrong with the configuration. */
export interface S3ConfigProblem {
  /** The environment variable (e.g. `AWS_REGION`) or option (e.g. `multipart.partSize`) at fault. */
  name: string;
  /** What is wrong and how to fix it; never the secret value itself. */
  problem: string;
}

/**
 * The S3 configuration is missing or malformed: thrown by `s3OptionsFromEnv` and
 * `createS3Store`, with every problem found (not only the first). Code `E_S3_CONFIG`.
 */
export class S3ConfigError extends Error {
  override readonly name = "S3ConfigError";
  readonly code = "E_S3_CONFIG";
  readonly problems: readonly S3ConfigProblem[];

  constructor(problems: readonly S3ConfigProblem[]) {
    super(
      `invalid S3 configuration: ${problems.map((p) => `${p.name}: ${p.problem}`).join("; ")}`,
    );
    this.problems = problems;
  }
}

/** True when `error` is an {@link S3ConfigError}. */
export function isS3ConfigError(error: unknown): error is S3ConfigError {
  return error instanceof S3ConfigError;
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
