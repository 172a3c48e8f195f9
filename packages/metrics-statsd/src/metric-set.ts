import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Statsd } from "./statsd.js";

/** Label values of one observation, by label name. */
export type MetricLabels = Readonly<Record<string, string>>;

/** What every metric of a {@link MetricSet} is declared with. */
export interface MetricSpec<L extends string> {
  /** Prometheus name (`snake_case`, unit suffix); statsd drops `_total` and `_seconds`. */
  name: string;
  help: string;
  /** Label names, in the order their values follow the name in statsd. Bounded values only. */
  labels?: readonly L[];
}

/** A counter on both sides. */
export interface SetCounter<L extends string> {
  inc(labels: Readonly<Record<L, string>>, value?: number): void;
}

/** A gauge on both sides. */
export interface SetGauge<L extends string> {
  set(labels: Readonly<Record<L, string>>, value: number): void;
}

/** A duration histogram (seconds; statsd gets a timing in ms). */
export interface SetHistogram<L extends string> {
  observe(labels: Readonly<Record<L, string>>, seconds: number): void;
}

/** Options of {@link createMetricSet}. */
export interface MetricSetOptions {
  /** Where the Prometheus series go (a `PrometheusMetrics.registry`). @default none */
  registry?: Registry | undefined;
  /** Where the statsd lines go. @default none */
  statsd?: Statsd | undefined;
}

/**
 * Metrics declared once and sent to Prometheus and statsd under the same name. A statsd
 * line is `<prefix>.<name>.<customer>.<env>.<label values…>` (the HTTP metrics' order), the
 * name without its `_total` or `_seconds` suffix (statsd timings are milliseconds by
 * definition); label values are made statsd-safe (`[A-Za-z0-9_-]`, others become `_`).
 */
export interface MetricSet {
  counter<L extends string = never>(spec: MetricSpec<L>): SetCounter<L>;
  gauge<L extends string = never>(spec: MetricSpec<L>): SetGauge<L>;
  histogram<L extends string = never>(
    spec: MetricSpec<L> & { buckets?: readonly number[] },
  ): SetHistogram<L>;
  /** Unregisters this set's Prometheus series (the registry and statsd are the caller's). */
  close(): void;
}

function statsdSafe(value: string): string {
  return value === "" ? "none" : value.replace(/[^A-Za-z0-9_-]/g, "_");
}

function statsdName(
  statsd: Statsd,
  name: string,
  labels: readonly string[],
  values: Readonly<Record<string, string>>,
): string {
  const base = name.replace(/_(total|seconds)$/, "");
  const tail = labels.map((l) => `.${statsdSafe(values[l] ?? "")}`).join("");
  return `${base}.${statsd.customer}.${statsd.environment}${tail}`;
}

/** Creates a {@link MetricSet} over a Prometheus registry, a statsd client, both or neither. */
export function createMetricSet(options: MetricSetOptions): MetricSet {
  const { registry, statsd } = options;
  const names: string[] = [];
  const registers = registry ? [registry] : [];
  const labelsOf = <L extends string>(spec: MetricSpec<L>): string[] => [
    ...(spec.labels ?? []),
  ];
  const declare = (name: string): void => {
    names.push(name);
  };
  return {
    counter(spec) {
      const labels = labelsOf(spec);
      declare(spec.name);
      const prom = registry
        ? new Counter({
            name: spec.name,
            help: spec.help,
            labelNames: labels,
            registers,
          })
        : undefined;
      return {
        inc(values, value = 1) {
          prom?.inc(values, value);
          statsd?.increment(
            statsdName(statsd, spec.name, labels, values),
            value,
          );
        },
      };
    },
    gauge(spec) {
      const labels = labelsOf(spec);
      declare(spec.name);
      const prom = registry
        ? new Gauge({
            name: spec.name,
            help: spec.help,
            labelNames: labels,
            registers,
          })
        : undefined;
      return {
        set(values, value) {
          prom?.set(values, value);
          statsd?.gauge(statsdName(statsd, spec.name, labels, values), value);
        },
      };
    },
    histogram(spec) {
      const labels = labelsOf(spec);
      declare(spec.name);
      const prom = registry
        ? new Histogram({
            name: spec.name,
            help: spec.help,
            labelNames: labels,
            registers,
            buckets: spec.buckets
              ? [...spec.buckets]
              : [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          })
        : undefined;
      return {
        observe(values, seconds) {
          prom?.observe(values, seconds);
          statsd?.timing(
            statsdName(statsd, spec.name, labels, values),
            Math.round(seconds * 1000 * 1000) / 1000,
          );
        },
      };
    },
    close() {
      for (const name of names) registry?.removeSingleMetric(name);
    },
  };
}
