import type { AttachmentsContext } from "./context.js";
import { parseRef, type StoreRef } from "./refs.js";

/** What a garbage sweep did. */
export interface SweepReport {
  /** Objects deleted (unused and ours). */
  deleted: number;
  /** Queued refs still in use (or not ours): dropped from the queue, bytes kept. */
  kept: number;
  /** Refs whose deletion failed; they stay queued for the next sweep. */
  failed: Array<{ ref: string; reason: string }>;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function ownedRef(ctx: AttachmentsContext, ref: string): StoreRef | undefined {
  try {
    const parsed = parseRef(ref);
    return ctx.router.isOwned(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** What {@link collectRefs} did. */
export interface CollectResult {
  deleted: string[];
  kept: string[];
  failed: Array<{ ref: string; reason: string }>;
}

/**
 * Deletes the bytes of queued refs that are ours and no attachment references any more,
 * under their ref locks (one transaction) so no insert of the same refs interleaves, and
 * drops them from the queue. Foreign bytes are never deleted. A ref whose deletion fails
 * stays queued.
 */
export async function collectRefs(
  ctx: AttachmentsContext,
  refs: readonly string[],
): Promise<CollectResult> {
  const result: CollectResult = { deleted: [], kept: [], failed: [] };
  if (refs.length === 0) return result;
  await ctx.index.withRefLocks(refs, async (scope) => {
    const doomed: Array<{ ref: string; owned: StoreRef }> = [];
    for (const ref of new Set(refs)) {
      const owned = ownedRef(ctx, ref);
      if (owned && (await scope.countRefs(ref)) === 0)
        doomed.push({ ref, owned });
      else result.kept.push(ref);
    }
    // Deletions run side by side (a batch of files), each failure kept queued.
    const settled = await Promise.allSettled(
      doomed.map(({ owned }) => ctx.router.forRead(owned).delete(owned.key)),
    );
    settled.forEach((outcome, i) => {
      const { ref } = doomed[i] ?? { ref: "" };
      if (outcome.status === "fulfilled") result.deleted.push(ref);
      else result.failed.push({ ref, reason: reasonOf(outcome.reason) });
    });
    for (const ref of [...result.deleted, ...result.kept])
      await scope.dropGarbage(ref);
  });
  return result;
}

/** {@link collectRefs} for one ref: whether its bytes were deleted. @throws when the deletion failed */
export async function collectRef(
  ctx: AttachmentsContext,
  ref: string,
): Promise<boolean> {
  const result = await collectRefs(ctx, [ref]);
  const failure = result.failed[0];
  if (failure) throw new Error(failure.reason);
  return result.deleted.length > 0;
}

/** Collects every queued ref (left by a crash between a commit and the byte deletion). */
export async function sweepGarbage(
  ctx: AttachmentsContext,
  signal?: AbortSignal,
): Promise<SweepReport> {
  const report: SweepReport = { deleted: 0, kept: 0, failed: [] };
  let after: string | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const refs = await ctx.index.listGarbage(
      after === undefined ? { limit: 200 } : { after, limit: 200 },
    );
    if (refs.length === 0) return report;
    const result = await collectRefs(ctx, refs);
    report.deleted += result.deleted.length;
    report.kept += result.kept.length;
    report.failed.push(...result.failed);
    after = refs.at(-1);
  }
}
