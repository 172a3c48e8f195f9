import type { AttachmentsContext } from './context.js';
import { parseRef, type StoreRef } from './refs.js';

/** What a garbage sweep did. */
export interface SweepReport {
  /** Objects deleted (unused and ours). */
  deleted: number;
  /** Queued refs still in use (or not ours): dropped from the queue, bytes kept. */
  kept: number;
  /** Refs whose deletion failed; they stay queued for the next sweep. */
  failed: Array<{ ref: string; reason: string }>;
}

/**
 * Deletes the bytes of a queued ref when they are ours and no attachment references them any
 * more, under the ref lock so that no insert of the same ref interleaves. Returns whether
 * the bytes were deleted. Foreign bytes are never deleted.
 */
export async function collectRef(ctx: AttachmentsContext, ref: string): Promise<boolean> {
  let parsed: StoreRef | undefined;
  try {
    parsed = parseRef(ref);
  } catch {
    parsed = undefined;
  }
  const owned = parsed !== undefined && ctx.router.isOwned(parsed) ? parsed : undefined;
  return ctx.index.withRefLock(ref, async (scope) => {
    let deleted = false;
    if (owned && (await scope.countRefs()) === 0) {
      await ctx.router.forRead(owned).delete(owned.key);
      deleted = true;
    }
    await scope.dropGarbage();
    return deleted;
  });
}

/** Collects every queued ref (left by a crash between a commit and the byte deletion). */
export async function sweepGarbage(ctx: AttachmentsContext, signal?: AbortSignal): Promise<SweepReport> {
  const report: SweepReport = { deleted: 0, kept: 0, failed: [] };
  let after: string | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const refs = await ctx.index.listGarbage(after === undefined ? { limit: 200 } : { after, limit: 200 });
    if (refs.length === 0) return report;
    for (const ref of refs) {
      try {
        if (await collectRef(ctx, ref)) report.deleted += 1;
        else report.kept += 1;
      } catch (error) {
        report.failed.push({ ref, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    after = refs[refs.length - 1];
  }
}
