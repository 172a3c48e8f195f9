import type { BulkAnswer } from "./bulk-delete.js";
import { readManifest, removeSegmentsOf, segmentNames } from "./segments.js";
import { errorForStatus, objectPath, statusError } from "./map-error.js";
import { at, type StoreContext } from "./store-context.js";

/**
 * Deletes an object; a Static Large Object goes with its segments. Missing is fine.
 * Swift answers `?multipart-manifest=delete` on a plain object with "Not an SLO manifest";
 * then a plain DELETE does it, and any segments a large object that once had this key left
 * behind (a plain put over an SLO) go too.
 */
export async function deleteObject(
  ctx: StoreContext,
  key: string,
  again = true,
): Promise<void> {
  const context = at(ctx, "delete", key);
  const path = objectPath(ctx.container, key);
  const response = await ctx.client.request({
    method: "DELETE",
    path,
    query: { "multipart-manifest": "delete" },
    headers: { accept: "application/json" },
    context,
  });
  if (response.status === 404) {
    await response.body?.cancel();
    return;
  }
  if (response.status !== 200 && response.status !== 204)
    throw await statusError(response, context);
  const answer = (await response.json().catch(() => ({}))) as BulkAnswer;
  const errors = answer.Errors ?? [];
  if (errors.some(([, reason]) => /not an slo manifest/i.test(reason))) {
    const [plain, removed] = await Promise.all([
      ctx.client.request({ method: "DELETE", path, context }),
      removeSegmentsOf(ctx, key),
    ]);
    if (plain.status !== 204 && plain.status !== 404 && plain.status !== 200)
      throw await statusError(plain, context);
    await plain.body?.cancel();
    // A large upload of this key that committed meanwhile may have lost segments to the
    // cleanup: the delete wins then, rather than leaving a broken object behind.
    if (removed.length > 0 && again) {
      const manifest = await readManifest(ctx, key);
      if (
        manifest &&
        segmentNames(ctx, manifest).some((name) => removed.includes(name))
      )
        await deleteObject(ctx, key, false);
    }
    return;
  }
  if (
    errors.length > 0 ||
    !/^(2\d\d|404)/.test(answer["Response Status"] ?? "200")
  ) {
    throw errorForStatus(
      Number((answer["Response Status"] ?? "502").slice(0, 3)) || 502,
      context,
    );
  }
}
