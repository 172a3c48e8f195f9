import { deleteObject } from "./delete-object.js";
import { errorForStatus, objectPath, statusError } from "./map-error.js";
import { segmentIndex } from "./segment-index.js";
import { segmentBase } from "./segments.js";
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
 * Deletes many objects. A few keys: one delete per key, a few at once, each with its large
 * object's segments. Many keys (a garbage collection): bulk deletes of the objects (one
 * request per thousand), then, in bulk too, the segment sets of the deleted keys, found in a
 * listing of the segments container that later calls reuse a while ({@link segmentIndex}): a
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
    segments.push(...(index.get(segmentBase(key)) ?? []));
    index.delete(segmentBase(key));
  }
  await deleteObjects(ctx, ctx.segmentsContainer, segments);
}
