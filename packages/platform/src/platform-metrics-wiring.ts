import type session from "express-session";
import type { Logger } from "@cloud-platform/logging-json";
import type { PrometheusMetrics, Statsd } from "@cloud-platform/metrics-statsd";
import { MIGRATION_LOCK } from "@cloud-platform/storage-core";
import { gatesOf, probesOf, readinessProbes } from "./middleware.js";
import type { Platform } from "./platform.js";
import {
  createPlatformMetrics,
  type PlatformMetricSources,
  type PlatformMetrics,
} from "./platform-metrics.js";
import { readiness } from "./probes.js";
import { withTimeout } from "./status.js";

/** The platform's own metrics, when Prometheus or statsd is on. */
export function openPlatformMetrics(
  prometheus: PrometheusMetrics | undefined,
  statsd: Statsd | undefined,
  logger: Logger,
): PlatformMetrics | undefined {
  if (!prometheus && !statsd) return undefined;
  return createPlatformMetrics({
    prometheus,
    statsd,
    onError: (part, error) =>
      logger.warn("a platform metric could not be refreshed", { part, error }),
  });
}

const SESSION_METHODS = ["get", "set", "destroy", "touch"] as const;

/** Counts the failures a session store reports to its callbacks, by operation. */
export function countSessionErrors(
  store: session.Store,
  onError: (operation: string) => void,
): void {
  const methods = store as unknown as Record<
    string,
    ((...args: unknown[]) => unknown) | undefined
  >;
  for (const name of SESSION_METHODS) {
    const method = methods[name];
    if (typeof method !== "function") continue;
    methods[name] = (...args: unknown[]) => {
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === "function")
        args[last] = (error: unknown, ...rest: unknown[]) => {
          if (error !== undefined && error !== null) onError(name);
          (callback as (...a: unknown[]) => unknown)(error, ...rest);
        };
      return method.apply(store, args);
    };
  }
}

/** Garbage refs counted by pages, up to `limit` (the queue has no count query). */
async function countGarbage(
  platform: Platform,
  limit: number,
): Promise<number> {
  let count = 0;
  let after: string | undefined;
  while (count < limit) {
    const page = await platform.index.listGarbage(
      after === undefined ? { limit: 1000 } : { after, limit: 1000 },
    );
    count += page.length;
    if (page.length < 1000) break;
    after = page.at(-1);
  }
  return Math.min(count, limit);
}

/** Where the platform's metrics read the index, the migration, Redis and readiness. */
export function metricSources(platform: Platform): PlatformMetricSources {
  const { redis } = platform;
  return {
    stats: () => platform.attachments.stats(),
    garbage: (limit) => countGarbage(platform, limit),
    lockHeld: async () =>
      (await platform.index.lockHolder(MIGRATION_LOCK)) !== undefined,
    migration: () => platform.startUpMigration.status(),
    ...(redis
      ? {
          redisPing: async () => {
            // As deep status: a client that knows it is disconnected fails at once; one
            // still connecting (the first refresh) gets the timeout.
            if (["reconnecting", "close", "end"].includes(redis.status))
              throw new Error(`redis is ${redis.status}`);
            const started = performance.now();
            await withTimeout(redis.ping(), 1000);
            return (performance.now() - started) / 1000;
          },
        }
      : {}),
    ready: async () =>
      (await readiness(gatesOf(platform), readinessProbes(probesOf(platform))))
        .failing.length === 0,
  };
}
