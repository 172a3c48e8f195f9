import type { AttachmentsContext } from "./context.js";
import { checkStorage, type FsckFinding, type FsckReport } from "./fsck.js";
import { collectRefs } from "./garbage.js";
import { parseRef } from "./refs.js";

/** Options of {@link collectOrphans}. */
export interface GcOptions {
  /** Only orphans last modified longer ago than this (the grace period). @default 24 h */
  olderThanMs?: number;
  /** List what would be deleted, delete nothing. @default false */
  dryRun?: boolean;
  /** Called after each deleted (or, in a dry run, listed) batch. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Called for each orphan deleted (or listed in a dry run). */
  onDeleted?: (orphan: { ref: string; size: number }) => void;
  /** Objects per bulk delete. @default 1000 */
  batchSize?: number;
  signal?: AbortSignal;
}

/** What {@link collectOrphans} did. */
export interface GcReport {
  /** The fsck run the candidates came from. */
  fsck: FsckReport;
  /** Orphans past the grace period (the candidates). */
  candidates: number;
  /** Deleted (a dry run deletes nothing). */
  deleted: number;
  /** Bytes deleted. */
  bytes: number;
  /** Candidates an attachment references by the time of the delete: kept. */
  kept: number;
  /** Candidates younger than the grace period: kept for now. */
  young: number;
  /** Leftovers of cut uploads removed (multipart uploads aborted, segment sets deleted). */
  leftoversRemoved: number;
  /** Bytes those leftovers held, where the store tells. */
  leftoverBytes: number;
  failed: Array<{ ref: string; reason: string }>;
}

type Orphan = Extract<FsckFinding, { kind: "orphan" }>;

/**
 * Deletes the objects {@link checkStorage} calls orphans (in our own write bucket only) once
 * they are older than the grace period. Each batch is re-checked under the ref locks and
 * marked as being collected before its delete (see {@link collectRefs}), so an upload that
 * records its row meanwhile is never robbed of its bytes. Bulk deletes where the store
 * offers them.
 */
export async function collectOrphans(
  ctx: AttachmentsContext,
  options: GcOptions = {},
): Promise<GcReport> {
  const grace = options.olderThanMs ?? 86_400_000;
  const fsck = await checkStorage(
    ctx,
    options.signal ? { signal: options.signal } : {},
  );
  const cutoff = Date.now() - grace;
  const orphans = fsck.findings.filter((f): f is Orphan => f.kind === "orphan");
  const candidates = orphans.filter(
    (o) => (o.lastModified?.getTime() ?? 0) < cutoff,
  );
  const report: GcReport = {
    fsck,
    candidates: candidates.length,
    deleted: 0,
    bytes: 0,
    kept: 0,
    young: orphans.length - candidates.length,
    leftoversRemoved: 0,
    leftoverBytes: 0,
    failed: [],
  };
  const batchSize = options.batchSize ?? 1000;
  for (let at = 0; at < candidates.length; at += batchSize) {
    options.signal?.throwIfAborted();
    const batch = candidates.slice(at, at + batchSize);
    if (options.dryRun === true) {
      for (const orphan of batch) options.onDeleted?.(orphan);
    } else await deleteBatch(ctx, batch, report, options);
    options.onProgress?.({
      done: Math.min(at + batchSize, candidates.length),
      total: candidates.length,
    });
  }
  await removeLeftovers(ctx, fsck, cutoff, report, options);
  return report;
}

type LeftoverFinding = Extract<FsckFinding, { kind: "leftover" }>;

/**
 * Aborts the multipart uploads and deletes the segment sets fsck found, once their last write
 * is older than the grace period (an upload still running writes all the time). The store
 * re-checks each one just before it goes (a segment set a manifest now references stays).
 */
async function removeLeftovers(
  ctx: AttachmentsContext,
  fsck: FsckReport,
  cutoff: number,
  report: GcReport,
  options: GcOptions,
): Promise<void> {
  const leftovers = fsck.findings.filter(
    (f): f is LeftoverFinding => f.kind === "leftover",
  );
  for (const { location, leftover } of leftovers) {
    options.signal?.throwIfAborted();
    if ((leftover.lastModified?.getTime() ?? 0) >= cutoff) {
      report.young += 1;
      continue;
    }
    const where = `${location}/${leftover.key}`;
    if (options.dryRun === true) {
      options.onDeleted?.({ ref: where, size: leftover.size });
      continue;
    }
    try {
      const ref = parseRef(where);
      const store = ctx.router.forRead(ref);
      // Never in a bucket that is not ours: checked again here.
      if (!ctx.router.isOwned(ref) || !store.removeLeftover) continue;
      await store.removeLeftover(leftover);
      report.leftoversRemoved += 1;
      report.leftoverBytes += leftover.size;
      options.onDeleted?.({ ref: where, size: leftover.size });
    } catch (error) {
      report.failed.push({
        ref: where,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

async function deleteBatch(
  ctx: AttachmentsContext,
  batch: readonly Orphan[],
  report: GcReport,
  options: GcOptions,
): Promise<void> {
  // Never foreign, never referenced: checked again under the ref locks by collectRefs, which
  // marks them as being collected before deleting them outside the transaction.
  const foreign = batch.filter((o) => !ctx.router.isOwned(parseRef(o.ref)));
  report.kept += foreign.length;
  const mine = batch.filter((o) => !foreign.includes(o));
  const result = await collectRefs(
    ctx,
    mine.map((o) => o.ref),
  );
  const deleted = new Set(result.deleted);
  report.kept += result.kept.length;
  report.failed.push(...result.failed);
  for (const orphan of mine) {
    if (!deleted.has(orphan.ref)) continue;
    report.deleted += 1;
    report.bytes += orphan.size;
    options.onDeleted?.(orphan);
  }
}
