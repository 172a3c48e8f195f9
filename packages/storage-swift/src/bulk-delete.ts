import { isStorageError } from "@cloud-platform/storage-core";
import { deleteObject } from "./delete-object.js";
import { listContainer } from "./list-objects.js";
import { errorForStatus, objectPath, statusError } from "./map-error.js";
import { segmentBase, segmentBaseOf } from "./segments.js";
import { at, type StoreContext } from "./store-context.js";

/** The JSON answer of `?multipart-manifest=delete` and `?bulk-delete`. */
export interface BulkAnswer {
  "Response Status"?: string;
  "Number Deleted"?: number;
  "Number Not Found"?: number;
  Errors?: [string, string][];
}

const BATCH = 1000;

/** Removes plain objects (segments) in batches with the bulk middleware; missing ones are fine. */
export async function deleteObjects(
  ctx: StoreContext,
  container: string,
  names: readonly string[],
): Promise<void> {
  for (let i = 0; i < names.length; i += BATCH) {
    const lines = names
      .slice(i, i + BATCH)
      .map((name) => objectPath(container, name))
      .join("\n");
    const context = at(ctx, "bulk delete", undefined, container);
    const response = await ctx.client.request({
      method: "POST",
      path: "",
      query: { "bulk-delete": "" },
      headers: { "content-type": "text/plain", accept: "application/json" },
      body: lines,
      context,
    });
    if (response.status !== 200) throw await statusError(response, context);
    const answer = (await response.json()) as BulkAnswer;
    if ((answer.Errors ?? []).length > 0) throw errorForStatus(502, context);
  }
}

/** Below this many keys, one delete per key (each removes its own segments) is cheaper. */
const BULK_FROM = 32;

/**
 * How long one listing of the segments container serves the bulk deletes that follow it: a
 * garbage collection deletes a thousand keys per call, and listed the whole container for
 * each. Segments another process writes meanwhile are not in it; if their key is deleted in
 * that window they stay as a segment set without a manifest, which `listLeftovers` reports
 * and gc removes. This store's own large uploads drop the listing.
 */
export const SEGMENT_INDEX_MS = 5 * 60_000;

/**
 * Deletes many objects. A few keys: one delete per key, a few at once, each with its large
 * object's segments. Many keys (a garbage collection): bulk deletes of the objects (one
 * request per thousand), then, in bulk too, the segment sets of the deleted keys, found in a
 * listing of the segments container that later calls reuse for {@link SEGMENT_INDEX_MS}: a
 * bulk delete alone leaves SLO segments behind.
 */
export async function deleteMany(
  ctx: StoreContext,
  keys: readonly string[],
): Promise<void> {
  const unique = [...new Set(keys)];
  if (unique.length < BULK_FROM) {
    const queue = [...unique];
    const worker = async (): Promise<void> => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift())
        await deleteObject(ctx, key);
    };
    await Promise.all(
      Array.from({ length: Math.min(8, queue.length) }, worker),
    );
    return;
  }
  await deleteObjects(ctx, ctx.container, unique);
  const index = await segmentIndex(ctx);
  const segments: string[] = [];
  for (const key of unique) {
    const base = segmentBase(key);
    segments.push(...(index.get(base) ?? []));
    index.delete(base);
  }
  await deleteObjects(ctx, ctx.segmentsContainer, segments);
}

/** Segment names by segment base (`<key>/slo/`), from one listing kept for a while. */
async function segmentIndex(ctx: StoreContext): Promise<Map<string, string[]>> {
  const kept = ctx.segmentIndex;
  if (kept && ctx.now() - kept.listedAt < SEGMENT_INDEX_MS) return kept.byBase;
  const listedAt = ctx.now();
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
  ctx.segmentIndex = { listedAt, byBase };
  return byBase;
}
