export { MetricsError, MetricsErrorCode, isMetricsError } from "./errors.js";
export type { MetricsConfigProblem, MetricsErrorDetails } from "./errors.js";
export type { Env } from "@cloud-platform/env";
export { createStatsd } from "./statsd.js";
export type { Statsd } from "./statsd.js";
export type { StatsdOptions, StatsdTags } from "./statsd-options.js";
export { statsdOptionsFromEnv } from "./statsd-env.js";
export type { StatsdEnvOptions } from "./statsd-env.js";
export { statsdMiddleware } from "./statsd-middleware.js";
export type { Middleware } from "./statsd-middleware.js";
export { statsdRouteName, UNMATCHED } from "./names.js";
export { routeTemplate, UNKNOWN_MOUNT } from "@cloud-platform/route-template";
export { createPrometheusMetrics, HTTP_DURATION_METRIC } from "./prometheus.js";
export type {
  PrometheusMetrics,
  PrometheusMetricsOptions,
} from "./prometheus.js";
export type {
  MetricsHandler,
  MetricsHandlerOptions,
} from "./metrics-handler.js";
export { prometheusOptionsFromEnv } from "./prometheus-env.js";
export type { PrometheusEnvOptions } from "./prometheus-env.js";
export { OVERFLOW } from "./label-cap.js";
export { createMetricSet } from "./metric-set.js";
export type {
  MetricLabels,
  MetricSet,
  MetricSetOptions,
  MetricSpec,
  SetCounter,
  SetGauge,
  SetHistogram,
} from "./metric-set.js";
