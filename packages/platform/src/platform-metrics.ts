import {
  createMetricSet,
  type PrometheusMetrics,
  type Statsd,
} from "@cloud-platform/metrics-statsd";
import {
  parseRef,
  type LocationStats,
  type StoreObserver,
} from "@cloud-platform/storage-core";
import type { StartUpMigrationStatus } from "./startup-migration.js";

/** What the periodic refresh reads; each part optional (no Redis, no index…). */
export interface PlatformMetricSources {
  /** Count and bytes per location (one GROUP BY of the index: read every `statsEvery` ticks). */
  stats(): Promise<readonly LocationStats[]>;
  /** Refs queued for garbage collection, up to `limit`. */
  garbage(limit: number): Promise<number>;
  /** Whether any process holds the migration lock. */
  lockHeld(): Promise<boolean>;
  migration(): StartUpMigrationStatus;
  /** Resolves with the round trip in seconds; rejects when Redis does not answer. */
  redisPing?: () => Promise<number>;
  /** Whether `/monitoring/ready` would answer 200 now. */
  ready(): Promise<boolean>;
}

/** Options of {@link createPlatformMetrics}. */
export interface PlatformMetricsOptions {
  prometheus: PrometheusMetrics | undefined;
  statsd: Statsd | undefined;
  /** @default 15000 */
  refreshMs?: number;
  /** Ticks between two reads of the index's per-location stats. @default 4 (a minute) */
  statsEvery?: number;
  /** Called when a refresh part fails (logged by the platform). */
  onError?: (part: string, error: unknown) => void;
}

/** The storage, migration, session and readiness metrics of a platform. */
export interface PlatformMetrics {
  /** Give to `instrumentStore()` for every store of the platform. */
  readonly stores: StoreObserver;
  /** A session store operation failed. */
  sessionError(operation: string): void;
  /** The start-up migration handled a file (moved, skipped or failed). */
  migrationItem(status: string): void;
  /** Starts the periodic refresh (one at once, then every `refreshMs`; unref'd). */
  start(sources: PlatformMetricSources): void;
  /** One refresh now (what the timer runs). */
  refresh(): Promise<void>;
  close(): void;
}

/** The garbage queue is counted up to this many refs (a page walk, not a table scan). */
export const GARBAGE_COUNT_LIMIT = 10_000;

/** `unavailable`: a request refused (503) while the store is known to be down. */
const SESSION_OPERATIONS = ["get", "set", "destroy", "touch", "unavailable"];

function schemeOf(location: string): string {
  try {
    return parseRef(`${location}/x`).scheme;
  } catch {
    return location.split(":")[0] ?? "unknown";
  }
}

/** Per-location totals summed by scheme: a bucket name is never a label. */
function byScheme(
  stats: readonly LocationStats[],
): Map<string, { count: number; bytes: number }> {
  const sums = new Map<string, { count: number; bytes: number }>();
  for (const scheme of ["file", "db", "s3", "swift"])
    sums.set(scheme, { count: 0, bytes: 0 });
  for (const s of stats) {
    const scheme = schemeOf(s.location);
    const sum = sums.get(scheme) ?? { count: 0, bytes: 0 };
    sum.count += s.count;
    sum.bytes += s.bytes;
    sums.set(scheme, sum);
  }
  return sums;
}

/**
 * Creates the platform's own metrics, sent to Prometheus and statsd under the same names
 * (`cloud_platform_*`). Labels are bounded: operation, store kind, error code, location
 * scheme, migration state. Index-derived gauges are refreshed on a timer, never per scrape.
 */
export function createPlatformMetrics(
  options: PlatformMetricsOptions,
): PlatformMetrics {
  const set = createMetricSet({
    registry: options.prometheus?.registry,
    statsd: options.statsd,
  });
  const duration = set.histogram<"operation" | "store">({
    name: "cloud_platform_object_store_request_duration_seconds",
    help: "Duration of object store requests in seconds, by operation and store kind.",
    labels: ["operation", "store"],
    buckets: [
      0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
    ],
  });
  const errors = set.counter<"operation" | "store" | "code">({
    name: "cloud_platform_object_store_errors_total",
    help: "Failed object store requests, by operation, store kind and StorageError code.",
    labels: ["operation", "store", "code"],
  });
  const written = set.counter<"store">({
    name: "cloud_platform_object_store_written_bytes_total",
    help: "Bytes stored by put, by store kind.",
    labels: ["store"],
  });
  const read = set.counter<"store">({
    name: "cloud_platform_object_store_read_bytes_total",
    help: "Bytes read by get and streams, by store kind.",
    labels: ["store"],
  });
  const attachments = set.gauge<"location">({
    name: "cloud_platform_attachments",
    help: "Attachments in the index, by location (file, db, s3, swift).",
    labels: ["location"],
  });
  const attachmentBytes = set.gauge<"location">({
    name: "cloud_platform_attachment_bytes",
    help: "Bytes of the attachments in the index, by location.",
    labels: ["location"],
  });
  const migrationFiles = set.gauge<"state">({
    name: "cloud_platform_migration_files",
    help: "Files of this process's start-up migration: done, total (counted at its start), failed.",
    labels: ["state"],
  });
  const migrationBytes = set.gauge({
    name: "cloud_platform_migration_bytes",
    help: "Bytes moved by this process's start-up migration.",
  });
  const migrationRunning = set.gauge({
    name: "cloud_platform_migration_running",
    help: "1 while this process runs the start-up migration.",
  });
  const migrationProgressAt = set.gauge({
    name: "cloud_platform_migration_last_progress_timestamp_seconds",
    help: "When this process's migration last handled a file (its start before the first).",
  });
  const migrationFailures = set.counter({
    name: "cloud_platform_migration_failures_total",
    help: "Files the start-up migration failed to move.",
  });
  const lockHeld = set.gauge({
    name: "cloud_platform_migration_lock_held",
    help: "1 when some process holds the migration lock (read from the index).",
  });
  const garbage = set.gauge({
    name: "cloud_platform_garbage_queue_refs",
    help: `Refs queued for garbage collection (counted up to ${GARBAGE_COUNT_LIMIT}).`,
  });
  const sessionErrors = set.counter<"operation">({
    name: "cloud_platform_session_store_errors_total",
    help: "Failed session store operations, by operation (unavailable: requests refused while the store is down).",
    labels: ["operation"],
  });
  const redisUp = set.gauge({
    name: "cloud_platform_redis_up",
    help: "1 when the session Redis answered the last PING.",
  });
  const redisRoundTrip = set.gauge({
    name: "cloud_platform_redis_roundtrip_seconds",
    help: "Round trip of the last PING to the session Redis, in seconds.",
  });
  const ready = set.gauge({
    name: "cloud_platform_ready",
    help: "1 when /monitoring/ready would answer 200.",
  });

  // Counters exist from the start, so `rate()` sees their first increase.
  migrationFailures.inc({}, 0);
  for (const operation of SESSION_OPERATIONS)
    sessionErrors.inc({ operation }, 0);
  migrationProgressAt.set({}, Date.now() / 1000);

  const onError = options.onError ?? (() => undefined);
  let sources: PlatformMetricSources | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ticks = 0;
  let lastState = "";

  const part = async (
    name: string,
    run: () => Promise<void>,
  ): Promise<void> => {
    try {
      await run();
    } catch (error) {
      onError(name, error);
    }
  };

  const refreshMigration = (status: StartUpMigrationStatus): void => {
    const running = status.state === "running" || status.state === "checking";
    if (running && lastState !== status.state)
      migrationProgressAt.set({}, Date.now() / 1000);
    lastState = status.state;
    migrationRunning.set({}, running ? 1 : 0);
    migrationFiles.set({ state: "done" }, status.done);
    migrationFiles.set({ state: "total" }, status.total);
    migrationFiles.set({ state: "failed" }, status.failed);
    migrationBytes.set({}, status.bytes);
  };

  const refresh = async (): Promise<void> => {
    const from = sources;
    if (!from) return;
    const withStats = ticks % (options.statsEvery ?? 4) === 0;
    ticks += 1;
    refreshMigration(from.migration());
    await Promise.all([
      withStats
        ? part("stats", async () => {
            for (const [location, sum] of byScheme(await from.stats())) {
              attachments.set({ location }, sum.count);
              attachmentBytes.set({ location }, sum.bytes);
            }
          })
        : undefined,
      withStats
        ? part("garbage", async () =>
            garbage.set({}, await from.garbage(GARBAGE_COUNT_LIMIT)),
          )
        : undefined,
      part("lock", async () =>
        lockHeld.set({}, (await from.lockHeld()) ? 1 : 0),
      ),
      from.redisPing
        ? from.redisPing().then(
            (seconds) => {
              redisUp.set({}, 1);
              redisRoundTrip.set({}, seconds);
            },
            () => redisUp.set({}, 0),
          )
        : undefined,
      part("ready", async () => ready.set({}, (await from.ready()) ? 1 : 0)),
    ]);
  };

  return {
    stores: {
      request({ operation, store, seconds, error }) {
        duration.observe({ operation, store }, seconds);
        if (error !== undefined) errors.inc({ operation, store, code: error });
      },
      written: (store, bytes) => written.inc({ store }, bytes),
      read: (store, bytes) => read.inc({ store }, bytes),
    },
    sessionError: (operation) =>
      sessionErrors.inc({
        operation: SESSION_OPERATIONS.includes(operation) ? operation : "other",
      }),
    migrationItem(status) {
      migrationProgressAt.set({}, Date.now() / 1000);
      if (status === "failed") migrationFailures.inc({});
    },
    start(from) {
      if (sources) return;
      sources = from;
      void refresh();
      timer = setInterval(() => void refresh(), options.refreshMs ?? 15_000);
      timer.unref();
    },
    refresh,
    close() {
      if (timer) clearInterval(timer);
      set.close();
    },
  };
}
