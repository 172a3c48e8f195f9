import {
  MetricsErrorCode,
  problemsError,
  type MetricsConfigProblem,
} from "./errors.js";
import { createEnvReader, type Env } from "@cloud-platform/env";
import { readerProblems } from "./reader-problems.js";

/** What {@link prometheusOptionsFromEnv} returns, ready for `createPrometheusMetrics`. */
export interface PrometheusEnvOptions {
  /** From `STATSD_CUSTOMER` (the contract has no Prometheus-specific variable); omitted when unset. */
  customer?: string;
  /** From `STATSD_ENVIRONMENT`, else `RUNNING_ENV`, else `dev`. */
  environment: string;
  /** From `ODOO_PROMETHEUS_TOKEN`; omitted when unset (then `/metrics` is open). */
  token?: string;
}

/**
 * Maps `ODOO_PROMETHEUS` (strict boolean, default off) and `ODOO_PROMETHEUS_TOKEN` to
 * Prometheus options, or `undefined` when Prometheus is off. Pure; never puts the token's
 * value in an error.
 * @throws {MetricsError} `E_METRICS_CONFIG` listing every problem at once.
 */
export function prometheusOptionsFromEnv(
  env: Env,
): PrometheusEnvOptions | undefined {
  const read = createEnvReader(env);
  const enabled = read.boolean("ODOO_PROMETHEUS", false);
  // Read as a text, not a secret: the platform's checks report its surrounding whitespace.
  const token = read.text("ODOO_PROMETHEUS_TOKEN");
  const problems: MetricsConfigProblem[] = readerProblems(read);
  if (enabled && token !== undefined && !/^[\x21-\x7e]+$/.test(token)) {
    problems.push({
      variable: "ODOO_PROMETHEUS_TOKEN",
      rule: "must be printable ASCII without spaces (it travels in an Authorization header)",
      hint: "generate one with `openssl rand -hex 32`",
    });
  }
  if (problems.length > 0)
    throw problemsError(
      MetricsErrorCode.Config,
      "invalid Prometheus configuration",
      problems,
    );
  if (!enabled) return undefined;
  const environment =
    read.text("STATSD_ENVIRONMENT") ?? read.text("RUNNING_ENV") ?? "dev";
  const customer = read.text("STATSD_CUSTOMER");
  return {
    environment,
    ...(customer === undefined ? {} : { customer }),
    ...(token === undefined ? {} : { token }),
  };
}
