import type { Logger } from "@cloud-platform/logging-json";
import type {
  Attachments,
  MigrateOptions,
  MigrationItem,
  MigrationReport,
} from "@cloud-platform/storage-core";

/**
 * Where the start-up migration of this process stands: `idle` before it was started,
 * `checking` while the recorded version is read, `running` while this process moves files
 * under the lock; then `not-needed` (no upgrade), `elsewhere` (another process holds the
 * lock), `done`, `failed` (some files or the whole run failed: the next start retries) or
 * `aborted` (shutdown or a lost lock: the next start resumes).
 */
export type StartUpMigrationState =
  | "idle"
  | "checking"
  | "running"
  | "not-needed"
  | "elsewhere"
  | "done"
  | "failed"
  | "aborted";

/** The start-up migration's progress, as deep status shows it. */
export interface StartUpMigrationStatus {
  state: StartUpMigrationState;
  /** Files moved so far. */
  moved: number;
  /** Files handled so far (moved, skipped or failed). */
  done: number;
  /** Files to consider, counted when the run started. */
  total: number;
  failed: number;
  bytes: number;
  /** Files handled per second since the run started. */
  filesPerSecond: number;
  /** Seconds left at that rate (undefined before the first file). */
  etaSeconds: number | undefined;
}

/** The start-up migration of one process: started once, in the background, abortable. */
export interface StartUpMigration {
  /** True until it ended (checking or running): the process is not ready meanwhile. */
  readonly busy: boolean;
  status(): StartUpMigrationStatus;
  /** Starts it (once; later calls return the same run). Never rejects: errors are logged. */
  start(): Promise<MigrationReport | undefined>;
  /** Stops it after the files in flight; the batch in flight is not committed. */
  abort(): void;
  /** Resolves when it ended (at once when it never started). */
  settled(): Promise<void>;
}

/**
 * The start-up migration: only when the app was just upgraded (the recorded version differs
 * from the running one), never on a plain restart. One process migrates under the lock; the
 * others find it held and serve at once. Only the process that finished the migration
 * records the new version, so an interrupted one is resumed by the next start.
 */
export async function migrateOnUpgrade(
  attachments: Attachments,
  appVersion: string,
  logger: Logger,
  options: Pick<MigrateOptions, "onProgress" | "signal"> = {},
): Promise<MigrationReport | undefined> {
  if (!(await attachments.shouldMigrateOnStart(appVersion))) return undefined;
  logger.info(
    "the application was upgraded: moving files to where they belong",
    { version: appVersion },
  );
  const report = await attachments.migrate({ ...options, holder: "start-up" });
  const summary = {
    status: report.status,
    moved: report.moved,
    skipped: report.skipped,
    failed: report.failed.length,
    bytes: report.bytes,
    durationMs: report.durationMs,
  };
  if (report.status === "already-running") {
    logger.info(
      "another process is migrating files; serving meanwhile",
      summary,
    );
  } else if (report.status === "aborted" || report.failed.length > 0) {
    logger.error(
      "the start-up migration did not finish; the next start retries it (or run `cloud-platform migrate`)",
      { ...summary, failures: report.failed.slice(0, 20) },
    );
  } else {
    await attachments.recordVersion(appVersion);
    logger.info("start-up migration done", summary);
  }
  return report;
}

function endState(report: MigrationReport | undefined): StartUpMigrationState {
  if (report === undefined) return "not-needed";
  if (report.status === "already-running") return "elsewhere";
  if (report.status === "aborted") return "aborted";
  return report.failed.length > 0 ? "failed" : "done";
}

/** The start-up migration of this process, run in the background by `platform.serve()`. */
export function createStartUpMigration(
  attachments: Attachments,
  appVersion: string,
  logger: Logger,
  /** Told the status of every file handled (the platform's metrics). */
  onItem?: (status: MigrationItem["status"]) => void,
): StartUpMigration {
  const controller = new AbortController();
  const progress = { moved: 0, done: 0, total: 0, failed: 0, bytes: 0 };
  let state: StartUpMigrationState = "idle";
  let startedAt = 0;
  let run: Promise<MigrationReport | undefined> | undefined;
  const execute = async (): Promise<MigrationReport | undefined> => {
    state = "checking";
    try {
      const report = await migrateOnUpgrade(attachments, appVersion, logger, {
        signal: controller.signal,
        onProgress: (p) => {
          if (state === "checking") {
            state = "running";
            startedAt = performance.now();
          }
          onItem?.(p.item.status);
          if (p.item.status === "moved") progress.moved += 1;
          if (p.item.status === "failed") progress.failed += 1;
          progress.done = p.done;
          progress.total = p.total;
          progress.bytes = p.bytes;
        },
      });
      state = endState(report);
      return report;
    } catch (error) {
      state = "failed";
      logger.error(
        "the start-up migration failed; serving anyway, the next start retries it (or run `cloud-platform migrate`)",
        { error },
      );
      return undefined;
    }
  };
  return {
    get busy() {
      return state === "checking" || state === "running";
    },
    status() {
      const seconds = (performance.now() - startedAt) / 1000;
      const rate =
        startedAt === 0 || seconds <= 0 ? 0 : progress.done / seconds;
      return {
        state,
        ...progress,
        filesPerSecond: Math.round(rate * 10) / 10,
        etaSeconds:
          rate > 0
            ? Math.ceil(Math.max(progress.total - progress.done, 0) / rate)
            : undefined,
      };
    },
    start: () => (run ??= execute()),
    abort: () => controller.abort(new Error("the process is shutting down")),
    settled: async () => {
      await run;
    },
  };
}
