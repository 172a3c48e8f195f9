import type { Logger } from "@cloud-platform/logging-json";
import type {
  Attachments,
  MigrationReport,
} from "@cloud-platform/storage-core";

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
): Promise<MigrationReport | undefined> {
  if (!(await attachments.shouldMigrateOnStart(appVersion))) return undefined;
  logger.info(
    "the application was upgraded: moving files to where they belong",
    { version: appVersion },
  );
  const report = await attachments.migrate({ holder: "start-up" });
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
