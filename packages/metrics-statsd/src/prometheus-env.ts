import {
  MetricsErrorCode,
  problemsError,
  type MetricsConfigProblem,
} from "./errors.js";
import { readBoolean, readString, type Env } from "./env-values.js";

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
  const problems: MetricsConfigProblem[] = [];
  const enabled = readBoolean(env, "ODOO_PROMETHEUS", false, problems);
  const token = readString(env, "ODOO_PROMETHEUS_TOKEN");
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
    readString(env, "STATSD_ENVIRONMENT") ??
    readString(env, "RUNNING_ENV") ??
    "dev";
  const customer = readString(env, "STATSD_CUSTOMER");
  return {
    environment,
    ...(customer === undefined ? {} : { customer }),
    ...(token === undefined ? {} : { token }),
  };
}
