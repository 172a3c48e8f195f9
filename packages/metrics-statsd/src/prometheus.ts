import { Histogram, Registry, collectDefaultMetrics } from "prom-client";
import {
  MetricsErrorCode,
  problemsError,
  type MetricsConfigProblem,
  type MetricsError,
} from "./errors.js";
import { boundedMethod } from "./http-method.js";
import { createLabelCap, type HttpLabels } from "./label-cap.js";
import {
  createMetricsHandler,
  type MetricsHandler,
  type MetricsHandlerOptions,
} from "./metrics-handler.js";
import { UNMATCHED } from "./names.js";
import {
  requestStartNs,
  responseEndNs,
  routeTemplate,
} from "@cloud-platform/route-template";
import type { Middleware } from "./statsd-middleware.js";
import { onFinish } from "./on-finish.js";
import { internedObserve } from "./interned-series.js";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Value of the `customer` label on every series. @default none (label omitted) */
  customer?: string | undefined;
  /** Value of the `environment` label on every series. @default 'dev' */
  environment?: string | undefined;
  /** The registry to fill. @default a new registry owned by this object */
  registry?: Registry | undefined;
  /** Distinct (route, method, status class) label sets kept before collapsing. @default 1000 */
  maxLabelSets?: number | undefined;
  /**
   * Also collect prom-client's Node default metrics (CPU, memory, event loop, GC), minus the
   * three misnamed `nodejs_active_*_total` gauges. They cannot be stopped once started.
   * @default true
   */
  defaultMetrics?: boolean | undefined;
  /** Histogram buckets in seconds. @default prom-client's [0.005 … 10] */
  buckets?: readonly number[] | undefined;
  /** Default bearer token of `handler()`. @default none */
  token?: string | undefined;
  /** Called once when the label cap is reached. @default emits a process warning */
  onWarning?: ((warning: MetricsError) => void) | undefined;
}

/** Prometheus metrics of an HTTP app, made by {@link createPrometheusMetrics}. */
export interface PrometheusMetrics {
  /** The registry holding the series (add your own metrics to it). */
  readonly registry: Registry;
  /**
   * Middleware observing `http_request_duration_seconds{route, method, status_class}`, where
   * `route` is the matched route template (`/attachments/:id`) or `unmatched`. Install it
   * before the routes.
   */
  middleware(): Middleware;
  /** Handler serving the exposition text, e.g. `app.get('/metrics', prom.handler())`. */
  handler(options?: MetricsHandlerOptions): MetricsHandler;
  /** The exposition text. */
  metrics(): Promise<string>;
  /** Unregisters what this object registered (all of it when it owns the registry). */
  close(): void;
}

/**
 * prom-client gauges whose `_total` suffix breaks the naming rules (`promtool check metrics`
 * rejects the whole exposition); the per-type gauges without the suffix carry the same counts.
 */
const MISNAMED_DEFAULTS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/** Name of the HTTP duration histogram. */
export const HTTP_DURATION_METRIC = "http_request_duration_seconds";

function check(options: PrometheusMetricsOptions): void {
  const problems: MetricsConfigProblem[] = [];
  const max = options.maxLabelSets;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    problems.push({
      variable: "maxLabelSets",
      rule: `must be a positive integer, got ${max}`,
      hint: "e.g. 1000",
    });
  }
  if (options.token !== undefined && !/^[\x21-\x7e]+$/.test(options.token)) {
    problems.push({
      variable: "token",
      rule: "must be printable ASCII without spaces",
      hint: "generate a random token",
    });
  }
  if (problems.length > 0)
    throw problemsError(
      MetricsErrorCode.InvalidOption,
      "invalid Prometheus options",
      problems,
    );
}

/** Default labels, default metrics and the HTTP histogram, on `registry`. */
function register(
  registry: Registry,
  options: PrometheusMetricsOptions,
): Histogram<keyof HttpLabels> {
  const labels: Record<string, string> = {
    environment: options.environment ?? "dev",
  };
  if (options.customer !== undefined && options.customer !== "")
    labels.customer = options.customer;
  registry.setDefaultLabels(labels);
  if (
    (options.defaultMetrics ?? true) &&
    !registry.getSingleMetric("process_cpu_user_seconds_total")
  ) {
    collectDefaultMetrics({ register: registry });
    for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  }
  return new Histogram<keyof HttpLabels>({
    name: HTTP_DURATION_METRIC,
    help: "Duration of HTTP requests in seconds, by route template, method and status class.",
    labelNames: ["route", "method", "status_class"],
    buckets: options.buckets
      ? [...options.buckets]
      : [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

function defaultWarning(warning: MetricsError): void {
  process.emitWarning(warning.message, { code: warning.code });
}

/**
 * Creates the Prometheus side: an HTTP duration histogram, Node default metrics, `customer`
 * and `environment` labels on every series, and a `/metrics` handler.
 * @throws {MetricsError} `E_METRICS_INVALID_OPTION` when an option is invalid.
 */
export function createPrometheusMetrics(
  options: PrometheusMetricsOptions = {},
): PrometheusMetrics {
  check(options);
  const owned = options.registry === undefined;
  const registry = options.registry ?? new Registry();
  const histogram = register(registry, options);
  const cap = createLabelCap(
    options.maxLabelSets ?? 1000,
    options.onWarning ?? defaultWarning,
  );
  const observe = internedObserve(histogram);
  const finished = (req: IncomingMessage, res: ServerResponse): void => {
    const seconds = Number(responseEndNs(res) - requestStartNs(req)) / 1e9;
    const labelSet = cap(
      routeTemplate(req) ?? UNMATCHED,
      boundedMethod(req.method),
      res.statusCode,
    );
    observe(labelSet, seconds);
  };
  const middleware: Middleware = (req, res, next) => {
    requestStartNs(req);
    onFinish(res, req, finished);
    next();
  };
  return {
    registry,
    middleware: () => middleware,
    handler: (handlerOptions = {}) => {
      const token =
        "token" in handlerOptions ? handlerOptions.token : options.token;
      check({ token });
      return createMetricsHandler(registry, token);
    },
    metrics: () => registry.metrics(),
    close: () => {
      if (owned) registry.clear();
      else registry.removeSingleMetric(HTTP_DURATION_METRIC);
    },
  };
}
