import { StatsD, type ClientOptions, type MetricOptions } from "hot-shots";
import { createCachedLookup } from "./dns-cache.js";
import { createErrorReporter } from "./error-reporter.js";
import { createLineBatcher, type LineBatcher } from "./line-batcher.js";
import { lineSenders, type LineSender } from "./raw-lines.js";
import type { MetricsError } from "./errors.js";
import {
  resolveStatsdOptions,
  type ResolvedStatsdOptions,
  type StatsdOptions,
  type StatsdTags,
} from "./statsd-options.js";

/**
 * A statsd client with node-statsd's simple API, on hot-shots. Every method sends (or
 * batches) one metric and never throws: failures go to `onError`.
 */
export interface Statsd {
  /** The metric name prefix (without the trailing dot). */
  readonly prefix: string;
  /** The customer segment of the HTTP metric names. */
  readonly customer: string;
  /** The environment segment of the HTTP metric names. */
  readonly environment: string;
  /** Adds `value` (default 1) to a counter. */
  increment(
    stat: string,
    value?: number,
    sampleRate?: number,
    tags?: StatsdTags,
  ): void;
  /** Subtracts `value` (default 1) from a counter. */
  decrement(
    stat: string,
    value?: number,
    sampleRate?: number,
    tags?: StatsdTags,
  ): void;
  /** Records a duration in milliseconds. */
  timing(
    stat: string,
    milliseconds: number,
    sampleRate?: number,
    tags?: StatsdTags,
  ): void;
  /** Sets a gauge. */
  gauge(
    stat: string,
    value: number,
    sampleRate?: number,
    tags?: StatsdTags,
  ): void;
  /** Records a value in a histogram (`|h`; the classic daemon treats it as a timer). */
  histogram(
    stat: string,
    value: number,
    sampleRate?: number,
    tags?: StatsdTags,
  ): void;
  /** Counts unique values in a set. */
  set(
    stat: string,
    value: string | number,
    sampleRate?: number,
    tags?: StatsdTags,
  ): void;
  /** The lines recorded in `mock` mode (prefix included); empty otherwise. */
  readonly mockLines: readonly string[];
  /**
   * Sends what is batched, waits for in-flight packets at most `closeTimeoutMs`, and closes
   * the socket. Idempotent; later sends are dropped. Never rejects.
   */
  close(): Promise<void>;
}

function defaultOnError(error: MetricsError): void {
  process.emitWarning(error.message, { code: error.code });
}

type Kind =
  "increment" | "decrement" | "timing" | "gauge" | "histogram" | "set";
type Send = (
  stat: string,
  value: number | string,
  sampleRate?: number,
  tags?: StatsdTags,
) => void;

function metricOptions(
  sampleRate: number | undefined,
  tags: StatsdTags | undefined,
): MetricOptions | undefined {
  if (sampleRate === undefined && tags === undefined) return undefined;
  const options: MetricOptions = {};
  if (sampleRate !== undefined) options.sampleRate = sampleRate;
  if (tags !== undefined) options.tags = cloneTags(tags);
  return options;
}

/**
 * Creates a statsd client. The host is resolved lazily and cached (`dnsTtlMs`), lines are
 * batched into packets of `bufferSize` bytes flushed every `flushIntervalMs`.
 * @throws {MetricsError} `E_METRICS_INVALID_OPTION` when an option is invalid.
 */
export function createStatsd(options: StatsdOptions): Statsd {
  const opts = resolveStatsdOptions(options);
  const report = createErrorReporter({
    onError: opts.onError ?? defaultOnError,
    intervalMs: opts.errorReportIntervalMs,
    target: `${opts.host}:${opts.port}`,
  });
  const client = createHotShots(opts, report);
  let closing: Promise<void> | undefined;
  // `send` is not in hot-shots' types: should a release drop it, the middleware falls back to the public API.
  const canBatch =
    opts.globalTags === undefined &&
    typeof (client as unknown as { send?: unknown }).send === "function";
  const batcher = canBatch
    ? fastPath(client, opts.bufferSize, opts.flushIntervalMs, report)
    : undefined;

  const send = (kind: Kind): Send =>
    sender(client, kind, () => closing !== undefined, report);
  const increment = send("increment");
  const decrement = send("decrement");
  const statsd: Statsd = {
    prefix: opts.prefix,
    customer: opts.customer,
    environment: opts.environment,
    increment: (stat, value = 1, sampleRate, tags) =>
      increment(stat, value, sampleRate, tags),
    decrement: (stat, value = 1, sampleRate, tags) =>
      decrement(stat, value, sampleRate, tags),
    timing: send("timing"),
    gauge: send("gauge"),
    histogram: send("histogram"),
    set: send("set"),
    get mockLines(): readonly string[] {
      batcher?.drain();
      return (client.mockBuffer ?? []).flatMap((entry) => entry.split("\n"));
    },
    close() {
      if (!closing) {
        batcher?.stop();
        closing = closeClient(client, opts.closeTimeoutMs, report);
      }
      return closing;
    },
  };
  if (batcher)
    lineSenders.set(statsd, (lines) =>
      closing ? undefined : batcher.add(lines),
    );
  return statsd;
}

/**
 * The middleware's path: ready-made lines, batched here, handed to hot-shots' post-formatting
 * entry point `send` (tags, buffer, socket, errors) and flushed as one packet.
 */
function fastPath(
  client: StatsD,
  bufferSize: number,
  intervalMs: number,
  report: (error: unknown) => void,
): LineBatcher {
  const raw = client as unknown as { send(message: string): void };
  const emit: LineSender = (batch) => {
    try {
      raw.send(batch);
      if (bufferSize > 0) client.flush();
    } catch (error) {
      report(error);
    }
  };
  if (bufferSize === 0)
    return { add: emit, drain: () => undefined, stop: () => undefined };
  return createLineBatcher({ maxBytes: bufferSize, intervalMs, emit });
}

/** One metric method: drops sends after close, turns a throw into a report. */
function sender(
  client: StatsD,
  kind: Kind,
  closed: () => boolean,
  report: (error: unknown) => void,
): Send {
  return (stat, value, sampleRate, tags) => {
    if (closed()) return;
    try {
      const options = metricOptions(sampleRate, tags);
      if (kind === "set") client.set(stat, value, options);
      else client[kind](stat, Number(value), options);
    } catch (error) {
      report(error);
    }
  };
}

/** The hot-shots client behind a {@link Statsd}. */
function createHotShots(
  opts: ResolvedStatsdOptions,
  report: (error: unknown) => void,
): StatsD {
  const clientOptions: ClientOptions = {
    host: opts.host,
    port: opts.port,
    prefix: opts.prefix,
    mock: opts.mock,
    maxBufferSize: opts.bufferSize,
    bufferFlushInterval: opts.flushIntervalMs,
    errorHandler: report,
    // hot-shots' own cache does one lookup per packet while the name does not resolve.
    cacheDns: false,
    udpSocketOptions: {
      type: opts.host.includes(":") ? "udp6" : "udp4",
      lookup: createCachedLookup(opts.dnsTtlMs),
    },
    // Plain statsd: ignore the DD_* variables hot-shots would otherwise read from process.env.
    datadog: false,
    includeDataDogTags: false,
    includeDatadogTelemetry: false,
    // hot-shots waits one interval after draining and gives up after 11: keep close() quick.
    closingFlushInterval: Math.min(
      20,
      Math.max(1, Math.floor(opts.closeTimeoutMs / 11)),
    ),
  };
  if (opts.globalTags !== undefined)
    clientOptions.globalTags = cloneTags(opts.globalTags);
  return new StatsD(clientOptions);
}

function cloneTags(tags: StatsdTags): string[] | Record<string, string> {
  return Array.isArray(tags)
    ? [...(tags as readonly string[])]
    : { ...(tags as Record<string, string>) };
}

function closeClient(
  client: StatsD,
  timeoutMs: number,
  report: (error: unknown) => void,
): Promise<void> {
  return new Promise((resolve) => {
    // hot-shots bounds its own wait too; this timer is the hard ceiling whatever happens.
    const timer = setTimeout(resolve, timeoutMs + 100);
    try {
      client.close((error) => {
        if (error) report(error);
        clearTimeout(timer);
        resolve();
      });
    } catch (error) {
      report(error);
      clearTimeout(timer);
      resolve();
    }
  });
}
