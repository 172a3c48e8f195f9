import type { AttachmentsContext } from "./context.js";
import { randomUUID } from "node:crypto";
import { parseRef, refLocation, type StoreRef } from "./refs.js";

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

/** How long a collection's mark lives: its deletes must have ended by then. */
export const COLLECTING_MS = 10 * 60_000;

/** Deletes the doomed refs, store by store, in bulk where the store can; a failure's reason per ref. */
async function deleteAll(
  ctx: AttachmentsContext,
  doomed: ReadonlyArray<{ ref: string; owned: StoreRef }>,
): Promise<Map<string, string | undefined>> {
  const outcome = new Map<string, string | undefined>();
  const byStore = new Map<string, Array<{ ref: string; owned: StoreRef }>>();
  for (const d of doomed) {
    const at = refLocation(d.owned);
    byStore.set(at, [...(byStore.get(at) ?? []), d]);
  }
  await Promise.all(
    [...byStore.values()].map(async (group) => {
      const [first] = group;
      if (!first) return;
      const store = ctx.router.forRead(first.owned);
      if (store.deleteMany && group.length > 1) {
        const failure = await store
          .deleteMany(group.map((d) => d.owned.key))
          .then(() => undefined, reasonOf);
        for (const d of group) outcome.set(d.ref, failure);
        return;
      }
      await Promise.all(
        group.map(async (d) =>
          outcome.set(
            d.ref,
            await store.delete(d.owned.key).then(() => undefined, reasonOf),
          ),
        ),
      );
    }),
  );
  return outcome;
}

/**
 * Deletes the bytes of refs that are ours and no attachment references (or has reserved)
 * any more, and drops them from the queue. Three steps, so no transaction is open while the
 * store is called: under the ref locks, the unused refs are marked as being collected (from
 * then on nothing reserves or inserts them); the deletes run; the marks end (deleted refs
 * leave the queue, failed ones stay queued). Foreign bytes are never deleted; a ref another
 * collector is deleting is left to it.
 */
export async function collectRefs(
  ctx: AttachmentsContext,
  refs: readonly string[],
): Promise<CollectResult> {
  const result: CollectResult = { deleted: [], kept: [], failed: [] };
  if (refs.length === 0) return result;
  const collector = randomUUID();
  const until = Date.now() + COLLECTING_MS;
  const doomed = await ctx.index.withRefLocks(refs, async (scope) => {
    const marked: Array<{ ref: string; owned: StoreRef }> = [];
    for (const ref of new Set(refs)) {
      const owned = ownedRef(ctx, ref);
      if (owned && (await scope.countRefs(ref)) === 0) {
        if (await scope.markCollecting(ref, collector, until))
          marked.push({ ref, owned });
      } else {
        result.kept.push(ref);
        await scope.dropGarbage(ref);
      }
    }
    return marked;
  });
  if (doomed.length === 0) return result;
  const outcome = await deleteAll(ctx, doomed);
  await ctx.index.withRefLocks(
    doomed.map((d) => d.ref),
    async (scope) => {
      for (const { ref } of doomed) {
        const failure = outcome.get(ref);
        if (failure === undefined) result.deleted.push(ref);
        else result.failed.push({ ref, reason: failure });
        await scope.endCollecting(ref, collector, failure === undefined);
      }
    },
  );
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
