import { isStorageError } from "@cloud-platform/storage-core";
import { listContainer } from "./list-objects.js";
import { segmentBase, segmentBaseOf } from "./segments.js";
import type { StoreContext } from "./store-context.js";

/**
 * How long one listing of the segments container answers "which keys have segments": a
 * garbage collection deletes a thousand keys per call, and a migration writes thousands of
 * files, and neither may pay a request per key for it. Segments another process writes in
 * that window are not in it: if their SLO is then replaced by a plain put, or deleted in
 * bulk, they stay as a segment set without a manifest, which `listLeftovers` reports and gc
 * removes. This store's own large uploads update it.
 */
export const SEGMENT_INDEX_MS = 5 * 60_000;

/**
 * Segment names by segment base (`<key>/slo/`), from one listing kept for a while; calls that
 * come while it runs share it.
 */
export function segmentIndex(
  ctx: StoreContext,
): Promise<Map<string, string[]>> {
  const kept = ctx.segmentIndex;
  if (kept && ctx.now() - kept.listedAt < SEGMENT_INDEX_MS) return kept.byBase;
  const byBase = listSegments(ctx);
  const entry = { listedAt: ctx.now(), byBase };
  ctx.segmentIndex = entry;
  // A failed listing is not kept: the next call lists again.
  byBase.catch(() => {
    if (ctx.segmentIndex === entry) ctx.segmentIndex = undefined;
  });
  return byBase;
}

async function listSegments(ctx: StoreContext): Promise<Map<string, string[]>> {
  const byBase = new Map<string, string[]>();
  try {
    for await (const entry of listContainer(ctx, ctx.segmentsContainer, "", {
      pageSize: 10_000,
    })) {
      const base = segmentBaseOf(entry.name);
      if (base === undefined) continue;
      const names = byBase.get(base);
      if (names) names.push(entry.name);
      else byBase.set(base, [entry.name]);
    }
  } catch (error) {
    // No segments container: no segments.
    if (!isStorageError(error, "E_NOT_FOUND")) throw error;
  }
  return byBase;
}

/**
 * Records what this store now knows of `key`'s segments (none after a plain put replaced
 * them), in the listing kept, once it is there.
 */
export function noteSegments(
  ctx: StoreContext,
  key: string,
  names: readonly string[],
): void {
  const base = segmentBase(key);
  const kept = [...names];
  ctx.segmentIndex?.byBase.then(
    (byBase) => {
      if (kept.length === 0) byBase.delete(base);
      else byBase.set(base, kept);
    },
    () => undefined,
  );
}
