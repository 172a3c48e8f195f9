import { brand, hasBrand } from "./brand.js";
import type { ConfigProblem } from "./problem.js";

/** The code of every {@link ConfigError} that does not bring its own. */
export const CONFIG_ERROR_CODE = "E_CONFIG";

// A registered symbol: two copies of this package (two versions in one tree) share it.
const BRAND = "@cloud-platform/env.ConfigError";

/** Options of {@link ConfigError}. */
export interface ConfigErrorOptions {
  /** The stable code. @default 'E_CONFIG' */
  code?: string;
  /** The start of the default message. @default 'invalid configuration' */
  title?: string;
  /** The whole message, instead of `title` and the problems. */
  message?: string;
  /** The underlying error. */
  cause?: unknown;
  /**
   * `false` for an error of a package class that is not about configuration (a package with
   * one error class for everything, e.g. a server that did not answer): {@link isConfigError}
   * then says no. @default true
   */
  configuration?: boolean;
}

/**
 * The configuration is missing or malformed; `problems` lists every problem found, not only
 * the first. Packages extend it with their own name and code (`S3ConfigError`,
 * `E_S3_CONFIG`); {@link isConfigError} recognises them all, from any copy of this package.
 * The message names variables and rules, never a secret value.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly code: string;
  readonly problems: readonly ConfigProblem[];

  constructor(
    problems: readonly ConfigProblem[],
    options: ConfigErrorOptions = {},
  ) {
    super(
      options.message ??
        `${options.title ?? "invalid configuration"}: ${problems.map((p) => `${p.variable}: ${p.message}`).join("; ")}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = options.code ?? CONFIG_ERROR_CODE;
    this.problems = problems;
    if (options.configuration !== false) brand(this, BRAND);
  }
}

/**
 * True when `error` is a {@link ConfigError} of any copy of this package (a registered
 * symbol, not `instanceof`, which fails across copies), optionally with the given code.
 */
export function isConfigError(
  error: unknown,
  code?: string,
): error is ConfigError {
  return (
    hasBrand(error, BRAND, code) &&
    Array.isArray((error as { problems?: unknown }).problems)
  );
}
