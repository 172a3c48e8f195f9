import type { Logger } from "@cloud-platform/logging-json";
import type {
  AttachmentIndex,
  Attachments,
} from "@cloud-platform/storage-core";

/** The cross-process lock one drain at a time holds (not the migration's: both may run). */
export const GARBAGE_LOCK = "garbage-drain";

/** A periodic drain of the garbage queue; {@link GarbageDrain.stop} ends it. */
export interface GarbageDrain {
  /** Runs one drain now (what the timer does); resolves when it ended or was skipped. */
  runOnce(): Promise<"drained" | "busy" | "skipped">;
  stop(): Promise<void>;
}

/**
 * Deletes the bytes queued for deletion (a delete whose byte removal failed, a migration
 * killed after its commit) every `intervalMs`, in one process at a time: each round takes
 * the `garbage-drain` lock and skips when another process holds it. Failures are logged and
 * the refs stay queued for the next round. The timer never keeps the process alive.
 */
export function startGarbageDrain(deps: {
  attachments: Pick<Attachments, "collectGarbage">;
  index: Pick<AttachmentIndex, "acquireLock">;
  logger: Logger;
  intervalMs: number;
}): GarbageDrain {
  let running: Promise<"drained" | "busy" | "skipped"> | undefined;
  let stopped = false;
  const controller = new AbortController();
  const round = async (): Promise<"drained" | "busy" | "skipped"> => {
    if (stopped) return "skipped";
    const lock = await deps.index.acquireLock(GARBAGE_LOCK, "drain");
    if (!lock) return "busy";
    try {
      const report = await deps.attachments.collectGarbage({
        signal: AbortSignal.any([controller.signal, lock.signal]),
      });
      if (report.deleted > 0 || report.failed.length > 0)
        deps.logger.info("garbage queue drained", {
          deleted: report.deleted,
          kept: report.kept,
          failed: report.failed.length,
        });
      return "drained";
    } finally {
      await lock.release();
    }
  };
  const runOnce = (): Promise<"drained" | "busy" | "skipped"> => {
    running ??= round()
      .catch((error: unknown) => {
        if (!controller.signal.aborted)
          deps.logger.warn("garbage drain failed; the queue stays for later", {
            error,
          });
        return "skipped" as const;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const timer =
    deps.intervalMs > 0
      ? setInterval(() => void runOnce(), deps.intervalMs).unref()
      : undefined;
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      controller.abort();
      await running;
    },
  };
}
