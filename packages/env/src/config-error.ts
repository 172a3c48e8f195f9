import type { ConfigProblem } from "./problem.js";

/** The code of every {@link ConfigError} that does not bring its own. */
export const CONFIG_ERROR_CODE = "E_CONFIG";

// A registered symbol: two copies of this package (two versions in one tree) share it.
const BRAND = Symbol.for("@cloud-platform/env.ConfigError");

/**
 * The configuration is missing or malformed; `problems` lists every problem found, not only
 * the first. Packages may extend it with their own name and code; {@link isConfigError}
 * still recognises them. The message names variables and rules, never a secret value.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly code: string;
  readonly problems: readonly ConfigProblem[];

  constructor(
    problems: readonly ConfigProblem[],
    options: { code?: string; title?: string } = {},
  ) {
    super(
      `${options.title ?? "invalid configuration"}: ${problems.map((p) => `${p.variable}: ${p.message}`).join("; ")}`,
    );
    this.code = options.code ?? CONFIG_ERROR_CODE;
    this.problems = problems;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * True when `error` is a {@link ConfigError} of any copy of this package (a registered
 * symbol, not `instanceof` alone), optionally with the given code.
 */
export function isConfigError(
  error: unknown,
  code?: string,
): error is ConfigError {
  if (typeof error !== "object" || error === null) return false;
  const branded =
    error instanceof ConfigError ||
    (error as Record<symbol, unknown>)[BRAND] === true;
  return (
    branded &&
    Array.isArray((error as { problems?: unknown }).problems) &&
    (code === undefined || (error as { code?: unknown }).code === code)
  );
}
