import {
  ConfigError,
  brand,
  hasBrand,
  type ConfigProblem,
} from "@cloud-platform/env";

/** Stable codes of {@link MetricsError}; match on these, never on messages. */
export const MetricsErrorCode = {
  /** The environment variables are invalid; `problems` lists every one of them. */
  Config: "E_METRICS_CONFIG",
  /** An option given to a factory is invalid; `problems` lists every one of them. */
  InvalidOption: "E_METRICS_INVALID_OPTION",
  /** A statsd packet could not be sent (DNS failure, unreachable network, closed socket). */
  StatsdSend: "E_STATSD_SEND",
  /** More distinct Prometheus label sets than allowed: new ones are collapsed. */
  LabelOverflow: "E_METRICS_LABEL_OVERFLOW",
} as const;

/** One of the values of {@link MetricsErrorCode}. */
export type MetricsErrorCode =
  (typeof MetricsErrorCode)[keyof typeof MetricsErrorCode];

/** One configuration problem: which variable (or option), which rule it breaks, how to fix it. */
export interface MetricsConfigProblem {
  /** The environment variable or option name, e.g. `STATSD_CUSTOMER`. */
  variable: string;
  /** The rule that is broken, e.g. `required when ODOO_STATSD is on`. */
  rule: string;
  /** What to do about it. Never contains the value of a secret. */
  hint: string;
  /** What is wrong, for a human. @default `<variable>: <rule>` */
  message?: string;
}

/** What a {@link MetricsError} says beyond its code and message. */
export interface MetricsErrorDetails {
  /** Every configuration problem found (for `E_METRICS_CONFIG` and `E_METRICS_INVALID_OPTION`). */
  problems?: readonly MetricsConfigProblem[];
  /** How many similar errors were swallowed since this one was last reported. */
  suppressed?: number;
  /** The underlying error. */
  cause?: unknown;
}

// A registered symbol, as `@cloud-platform/env` does: two copies of this package agree.
const BRAND = "@cloud-platform/metrics-statsd.MetricsError";

const CONFIG_CODES: readonly string[] = [
  MetricsErrorCode.Config,
  MetricsErrorCode.InvalidOption,
];

/**
 * The one error type of this package. `code` is stable; messages name variables, never
 * their secret values. A `ConfigError` of `@cloud-platform/env` (recognised by
 * `isConfigError`) for `E_METRICS_CONFIG` and `E_METRICS_INVALID_OPTION`; the send and
 * label errors are none.
 */
export class MetricsError extends ConfigError {
  override readonly name = "MetricsError";
  declare readonly code: MetricsErrorCode;
  /** The problems, each with `variable`, `rule`, `message`, `hint` (as every package). */
  override readonly problems: readonly (MetricsConfigProblem & ConfigProblem)[];
  readonly suppressed: number;

  constructor(
    code: MetricsErrorCode,
    message: string,
    details: MetricsErrorDetails = {},
  ) {
    const problems = (details.problems ?? []).map((p) => ({
      ...p,
      message: p.message ?? `${p.variable}: ${p.rule}`,
    }));
    super(problems, {
      code,
      message,
      cause: details.cause,
      configuration: CONFIG_CODES.includes(code),
    });
    this.problems = problems;
    this.suppressed = details.suppressed ?? 0;
    brand(this, BRAND);
  }
}

/**
 * True when `error` is a {@link MetricsError}, optionally with the given code, also one of
 * another copy of this package (a registered brand, not `instanceof` alone).
 */
export function isMetricsError(
  error: unknown,
  code?: MetricsErrorCode,
): error is MetricsError {
  return hasBrand(error, BRAND, code);
}

/** Builds the error listing every problem at once, one per line. */
export function problemsError(
  code: MetricsErrorCode,
  title: string,
  problems: readonly MetricsConfigProblem[],
): MetricsError {
  const lines = problems.map((p) => `- ${p.variable}: ${p.rule} (${p.hint})`);
  return new MetricsError(code, `${title}:\n${lines.join("\n")}`, { problems });
}
