import {
  MetricsErrorCode,
  problemsError,
  type MetricsConfigProblem,
  type MetricsError,
} from "./errors.js";
import { checkPrefix, checkSegment } from "./names.js";

/** Tags for DogStatsD/Telegraf-style receivers: `{ key: 'value' }` or `['key:value']`. */
export type StatsdTags = Readonly<Record<string, string>> | readonly string[];

/** Options of {@link createStatsd}. */
export interface StatsdOptions {
  /** The customer segment of the HTTP metric names. Required; letters, digits, `_`, `-`. */
  customer: string;
  /** The environment segment of the HTTP metric names. @default 'dev' */
  environment?: string | undefined;
  /** The statsd host name or IP address. Resolved once and cached (see `dnsTtlMs`). @default 'localhost' */
  host?: string | undefined;
  /** The statsd UDP port. @default 8125 */
  port?: number | undefined;
  /** Prefix of every metric name (dotted, no trailing dot). @default 'odoo' */
  prefix?: string | undefined;
  /**
   * Tags added to every metric, in the DogStatsD `|#k:v` form. The classic statsd daemon
   * folds them into the name (`name;k=v`); leave unset for plain Graphite names.
   * @default none
   */
  globalTags?: StatsdTags | undefined;
  /**
   * Called when sending fails. Never called more than once per error code per
   * `errorReportIntervalMs`; `error.suppressed` counts the failures swallowed meanwhile.
   * @default emits a process warning
   */
  onError?: ((error: MetricsError) => void) | undefined;
  /** Send nothing; record the lines instead (see `Statsd.mockLines`), for tests. @default false */
  mock?: boolean | undefined;
  /**
   * Lines are batched into packets of at most this many bytes (1432 fits one Ethernet frame);
   * 0 sends one packet per metric.
   * @default 1432
   */
  bufferSize?: number | undefined;
  /** A partly filled packet is sent after at most this many milliseconds. @default 1000 */
  flushIntervalMs?: number | undefined;
  /** How long a resolved address (or a failed resolution, at most 10 s) is reused. @default 60000 */
  dnsTtlMs?: number | undefined;
  /** `close()` gives up waiting for in-flight packets after this many milliseconds. @default 2000 */
  closeTimeoutMs?: number | undefined;
  /** Minimum time between two reports of the same error code to `onError`. @default 60000 */
  errorReportIntervalMs?: number | undefined;
}

/** {@link StatsdOptions} with every default applied. */
export interface ResolvedStatsdOptions {
  customer: string;
  environment: string;
  host: string;
  port: number;
  prefix: string;
  globalTags: StatsdTags | undefined;
  onError: ((error: MetricsError) => void) | undefined;
  mock: boolean;
  bufferSize: number;
  flushIntervalMs: number;
  dnsTtlMs: number;
  closeTimeoutMs: number;
  errorReportIntervalMs: number;
}

function checkNumber(
  variable: string,
  value: number,
  range: readonly [number, number],
  problems: MetricsConfigProblem[],
): void {
  if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
    problems.push({
      variable,
      rule: `must be an integer in [${range[0]}, ${range[1]}], got ${value}`,
      hint: "fix the option",
    });
  }
}

/**
 * Applies the defaults and checks every option, reporting all problems at once.
 * @throws {MetricsError} `E_METRICS_INVALID_OPTION` listing every invalid option.
 */
export function resolveStatsdOptions(
  options: StatsdOptions,
): ResolvedStatsdOptions {
  const resolved: ResolvedStatsdOptions = {
    customer: options.customer,
    environment: options.environment ?? "dev",
    host: options.host ?? "localhost",
    port: options.port ?? 8125,
    prefix: options.prefix ?? "odoo",
    globalTags: options.globalTags,
    onError: options.onError,
    mock: options.mock ?? false,
    bufferSize: options.bufferSize ?? 1432,
    flushIntervalMs: options.flushIntervalMs ?? 1000,
    dnsTtlMs: options.dnsTtlMs ?? 60_000,
    closeTimeoutMs: options.closeTimeoutMs ?? 2000,
    errorReportIntervalMs: options.errorReportIntervalMs ?? 60_000,
  };
  const problems: MetricsConfigProblem[] = [];
  checkSegment("customer", resolved.customer, problems);
  checkSegment("environment", resolved.environment, problems);
  checkPrefix("prefix", resolved.prefix, problems);
  if (resolved.host.trim() === "")
    problems.push({
      variable: "host",
      rule: "must not be empty",
      hint: 'e.g. "localhost"',
    });
  checkNumber("port", resolved.port, [1, 65535], problems);
  checkNumber("bufferSize", resolved.bufferSize, [0, 65_507], problems);
  checkNumber(
    "flushIntervalMs",
    resolved.flushIntervalMs,
    [1, 2_147_483_647],
    problems,
  );
  checkNumber("dnsTtlMs", resolved.dnsTtlMs, [0, 2_147_483_647], problems);
  checkNumber(
    "closeTimeoutMs",
    resolved.closeTimeoutMs,
    [0, 2_147_483_647],
    problems,
  );
  checkNumber(
    "errorReportIntervalMs",
    resolved.errorReportIntervalMs,
    [0, 2_147_483_647],
    problems,
  );
  if (problems.length > 0) {
    throw problemsError(
      MetricsErrorCode.InvalidOption,
      "invalid statsd options",
      problems,
    );
  }
  return resolved;
}
