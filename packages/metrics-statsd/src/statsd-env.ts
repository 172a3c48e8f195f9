import {
  MetricsErrorCode,
  problemsError,
  type MetricsConfigProblem,
} from "./errors.js";
import { createEnvReader, type Env } from "@cloud-platform/env";
import { readerProblems } from "./reader-problems.js";
import { checkPrefix, checkSegment } from "./names.js";

/**
 * What {@link statsdOptionsFromEnv} returns: the part of `StatsdOptions` the environment
 * sets; add callbacks (`onError`) before passing it to `createStatsd`.
 */
export interface StatsdEnvOptions {
  /** From `STATSD_CUSTOMER`. */
  customer: string;
  /** From `STATSD_ENVIRONMENT`, else `RUNNING_ENV`, else `dev`. */
  environment: string;
  /** From `STATSD_HOST`. @default 'localhost' */
  host: string;
  /** From `STATSD_PORT`. @default 8125 */
  port: number;
  /** From `STATSD_PREFIX`. @default 'odoo' */
  prefix: string;
}

/**
 * Maps the statsd environment variables to `StatsdOptions`, or `undefined` when
 * `ODOO_STATSD` is off (the default). Pure: pass `process.env` at the application's edge.
 *
 * - `ODOO_STATSD`: strict boolean (`1/true/yes/on`, `0/false/no/off`, any case)
 * - `STATSD_CUSTOMER`: required when on
 * - `STATSD_ENVIRONMENT`: default `RUNNING_ENV`, else `dev`
 * - `STATSD_HOST` (`localhost`), `STATSD_PORT` (`8125`), `STATSD_PREFIX` (`odoo`)
 *
 * @throws {MetricsError} `E_METRICS_CONFIG` listing every problem at once.
 */
export function statsdOptionsFromEnv(env: Env): StatsdEnvOptions | undefined {
  const read = createEnvReader(env);
  const enabled = read.boolean("ODOO_STATSD", false);
  const port = read.port("STATSD_PORT", 8125);
  const problems: MetricsConfigProblem[] = readerProblems(read);
  if (!enabled) {
    if (problems.length > 0)
      throw problemsError(
        MetricsErrorCode.Config,
        "invalid statsd configuration",
        problems,
      );
    return undefined;
  }
  const customer = read.text("STATSD_CUSTOMER");
  if (customer === undefined) {
    problems.push({
      variable: "STATSD_CUSTOMER",
      rule: "required when ODOO_STATSD is on",
      hint: 'set it to the customer name used in metric names, e.g. "acme"',
    });
  } else {
    checkSegment("STATSD_CUSTOMER", customer, problems);
  }
  const environmentVariable =
    read.text("STATSD_ENVIRONMENT") !== undefined
      ? "STATSD_ENVIRONMENT"
      : "RUNNING_ENV";
  const environment = read.text(environmentVariable) ?? "dev";
  checkSegment(environmentVariable, environment, problems);
  const prefix = read.text("STATSD_PREFIX") ?? "odoo";
  checkPrefix("STATSD_PREFIX", prefix, problems);
  const host = read.text("STATSD_HOST") ?? "localhost";
  if (problems.length > 0 || customer === undefined) {
    throw problemsError(
      MetricsErrorCode.Config,
      "invalid statsd configuration",
      problems,
    );
  }
  return { customer, environment, host, port, prefix };
}
