import type {
  MigrationProgress,
  MigrationReport,
} from "@cloud-platform/storage-core";

/** Where the CLI writes, and whether it is a terminal. */
export interface Output {
  write(text: string): void;
  isTTY: boolean;
}

const MB = 1e6;

function rate(done: number, ms: number): number {
  return ms > 0 ? (done * 1000) / ms : 0;
}

/**
 * Shows migration progress: a bar redrawn in place on a terminal, one JSON line per second
 * otherwise (or with `--json`), so deploy logs stay readable.
 */
export function createProgressReporter(
  out: Output,
  json: boolean,
): { onProgress(p: MigrationProgress): void; finish(): void } {
  const started = Date.now();
  let last = 0;
  let latest: MigrationProgress | undefined;
  const tty = out.isTTY && !json;
  const draw = (p: MigrationProgress): void => {
    const ms = Date.now() - started;
    const width = 30;
    const filled = p.total > 0 ? Math.round((p.done / p.total) * width) : width;
    const perSecond = rate(p.done, ms);
    const eta = perSecond > 0 ? Math.ceil((p.total - p.done) / perSecond) : 0;
    out.write(
      `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${p.done}/${p.total} files  ${(p.bytes / MB).toFixed(1)} MB  ${perSecond.toFixed(0)} files/s  ETA ${eta}s `,
    );
  };
  const line = (p: MigrationProgress): void => {
    const ms = Date.now() - started;
    out.write(
      `${JSON.stringify({ type: "progress", done: p.done, total: p.total, bytes: p.bytes, filesPerSecond: Math.round(rate(p.done, ms)), elapsedMs: ms })}\n`,
    );
  };
  return {
    onProgress(p) {
      latest = p;
      const now = Date.now();
      if (now - last < (tty ? 100 : 1000)) return;
      last = now;
      if (tty) draw(p);
      else line(p);
    },
    finish() {
      if (latest && tty) {
        draw(latest);
        out.write("\n");
      } else if (latest) line(latest);
    },
  };
}

/** The final report: JSON, or a few readable lines. */
export function formatMigrationReport(
  report: MigrationReport,
  json: boolean,
): string {
  if (json) return `${JSON.stringify({ type: "report", ...report })}\n`;
  const lines = [
    `${report.dryRun ? "dry run" : "migration"} ${report.status}${report.reason ? ` (${report.reason})` : ""} → ${report.target}`,
    `  ${report.dryRun ? "to move" : "moved"}: ${report.moved}   skipped: ${report.skipped}   failed: ${report.failed.length}   collected: ${report.collected}`,
    `  ${(report.bytes / MB).toFixed(1)} MB in ${(report.durationMs / 1000).toFixed(1)} s (${report.filesPerSecond.toFixed(0)} files/s, ${(report.bytesPerSecond / MB).toFixed(1)} MB/s)`,
    ...report.failed
      .slice(0, 50)
      .map((f) => `  failed ${f.id} (${f.ref}): ${f.code ?? ""} ${f.reason}`),
  ];
  if (report.failed.length > 50)
    lines.push(`  … and ${report.failed.length - 50} more failures`);
  return `${lines.join("\n")}\n`;
}
