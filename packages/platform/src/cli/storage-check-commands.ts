import { parseArgs } from "node:util";
import type {
  FsckFinding,
  FsckReport,
  GcReport,
} from "@cloud-platform/storage-core";
import { loadPlatformConfig } from "../config.js";
import { readPlatformSettings } from "../settings.js";
import { openPlatformIndex, setUpAttachments } from "../storage.js";
import {
  refuseBeforeOpening,
  refuseLikeStartUp,
  type CommandContext,
} from "./commands.js";
import type { Output } from "./progress.js";

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `24h`, `30m`, `7d`, `90s` in milliseconds, or `undefined` when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const [, amount = "", unit = ""] = match;
  return Number(amount) * (UNITS[unit] ?? 0);
}

function describe(finding: FsckFinding): string {
  switch (finding.kind) {
    case "missing":
      return `missing        ${finding.ref}  attachments ${finding.ids.join(", ")}`;
    case "size-mismatch":
      return `size mismatch  ${finding.ref}  recorded ${finding.recorded.join("/")} B, stored ${finding.stored} B  attachments ${finding.ids.join(", ")}`;
    case "unreadable":
      return `unreadable     ${finding.location}: ${finding.reason}  attachments ${finding.ids.join(", ")}`;
    case "orphan":
      return `orphan         ${finding.ref}  ${finding.size} B${finding.lastModified ? `  ${finding.lastModified.toISOString()}` : ""}`;
    case "leftover": {
      const l = finding.leftover;
      const what =
        l.kind === "multipart-upload"
          ? "unfinished multipart upload"
          : "segments without a manifest";
      return `leftover       ${finding.location}/${l.key}  ${what}  ${l.size} B${l.lastModified ? `  ${l.lastModified.toISOString()}` : ""}`;
    }
  }
}

/** The SQLite page cache of fsck and gc, in KiB (SQLite's own default size). */
const SCAN_CACHE_KIB = 2048;

function summary(report: FsckReport): string {
  const parts = Object.entries(report.counts).map(([k, n]) => `${n} ${k}`);
  return `${report.refsChecked} refs checked against ${report.objectsListed} listed objects: ${parts.length === 0 ? "no problems" : parts.join(", ")}\n`;
}

/**
 * Runs `fn` on the platform's attachments. Refuses (78) a shared environment on an embedded
 * index before opening it; `checked` (commands that delete): refuses when any start-up check fails.
 */
async function withAttachments(
  ctx: CommandContext,
  checked: boolean,
  fn: (
    a: ReturnType<typeof setUpAttachments>["attachments"],
  ) => Promise<number>,
): Promise<number> {
  const config = loadPlatformConfig(ctx.env);
  // Every command, read-only ones too: opening an embedded index on a shared environment
  // would create the file the checks refuse.
  const early = refuseBeforeOpening(ctx, config);
  if (early !== undefined) return early;
  // One pass over the whole index: SQLite's own 2 MiB cache instead of better-sqlite3's
  // 16,000 KiB, which a scan fills for nothing (outside the V8 heap at 70,000 refs: 60 MB
  // with 2 MiB against 77 MB, measured; BENCHMARKS.md).
  const index = await openPlatformIndex(config, {
    sqliteCacheKiB: SCAN_CACHE_KIB,
  });
  try {
    const settings = await readPlatformSettings(index);
    if (checked) {
      // gc deletes: it runs the same checks as start-up first (DESIGN: commands that delete).
      const refused = refuseLikeStartUp(ctx, config, settings);
      if (refused !== undefined) return refused;
    }
    const { attachments, objectStorage } = setUpAttachments(
      config,
      index,
      settings.kind,
      { onWarning: (m) => ctx.err.write(`warning: ${m}\n`) },
    );
    try {
      return await fn(attachments);
    } finally {
      await objectStorage?.close();
    }
  } finally {
    await index.close();
  }
}

/**
 * `fsck [--json]`: every ref against its store, by listing. Exit 1 when an attachment's bytes
 * are missing, of the wrong size or unreadable (their ids are printed); orphans alone exit 0.
 */
export async function fsckCommand(
  ctx: CommandContext,
  argv: string[],
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: "boolean", default: false } },
  });
  return withAttachments(ctx, false, async (attachments) => {
    const report = await attachments.fsck({
      // Each finding is printed as it is found, never kept: no memory per orphan.
      keepFindings: false,
      onFinding: (f) => {
        ctx.out.write(
          values.json
            ? `${JSON.stringify({ type: "finding", ...f })}\n`
            : `${describe(f)}\n`,
        );
      },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const { findings: _findings, counts, ...totals } = report;
    const findings = Object.values(counts).reduce((a, n) => a + n, 0);
    ctx.out.write(
      values.json
        ? `${JSON.stringify({ type: "summary", ...totals, findings })}\n`
        : summary(report),
    );
    return report.broken ? 1 : 0;
  });
}

function gcProgress(
  out: Output,
  json: boolean,
): (p: { done: number; total: number }) => void {
  const tty = out.isTTY && !json;
  return ({ done, total }) => {
    if (tty) {
      const filled = total > 0 ? Math.round((done / total) * 30) : 30;
      out.write(
        `\r[${"#".repeat(filled)}${"-".repeat(30 - filled)}] ${done}/${total} orphans${done === total ? "\n" : ""}`,
      );
    } else out.write(`${JSON.stringify({ type: "progress", done, total })}\n`);
  };
}

/**
 * `gc [--dry-run] [--older-than 24h] [--json]`: deletes the orphans of our own write bucket
 * older than the grace period. Exit 1 when a deletion failed.
 */
export async function gcCommand(
  ctx: CommandContext,
  argv: string[],
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      "older-than": { type: "string", default: "24h" },
    },
  });
  const olderThanMs = parseDuration(values["older-than"]);
  if (olderThanMs === undefined) {
    ctx.err.write(
      "--older-than must be a duration such as 90s, 30m, 24h or 7d\n",
    );
    return 64;
  }
  const json = values.json;
  const dryRun = values["dry-run"];
  return withAttachments(ctx, true, async (attachments) => {
    const report: GcReport = await attachments.gc({
      olderThanMs,
      dryRun,
      onProgress: gcProgress(ctx.err, json),
      onDeleted: (o) => {
        if (dryRun || json)
          ctx.out.write(
            json
              ? `${JSON.stringify({ type: dryRun ? "planned" : "deleted", ref: o.ref, size: o.size })}\n`
              : `would delete ${o.ref}  ${o.size} B\n`,
          );
      },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const { fsck: _fsck, ...totals } = report;
    ctx.out.write(
      json
        ? `${JSON.stringify({ type: "summary", dryRun, ...totals })}\n`
        : `${dryRun ? "would delete" : "deleted"} ${dryRun ? report.candidates : report.deleted} orphans (${report.bytes} B) and ${dryRun ? "the leftovers listed" : `${report.leftoversRemoved} leftovers of cut uploads (${report.leftoverBytes} B)`}; ${report.young} younger than the grace period kept, ${report.kept} referenced meanwhile kept, ${report.failed.length} failed\n`,
    );
    for (const failure of report.failed)
      ctx.err.write(`failed ${failure.ref}: ${failure.reason}\n`);
    return report.failed.length > 0 ? 1 : 0;
  });
}
