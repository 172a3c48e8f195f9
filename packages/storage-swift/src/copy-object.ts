import { deleteObjects } from "./bulk-delete.js";
import {
  newUploadPrefix,
  readManifest,
  replacedSegments,
  segmentName,
  type ManifestEntry,
} from "./segments.js";
import { headRaw, metadataOf } from "./read-object.js";
import {
  encodeKey,
  errorForStatus,
  objectPath,
  statusError,
} from "./map-error.js";
import { dropReplaced, segmentsToReplace } from "./put-object.js";
import { at, type StoreContext } from "./store-context.js";

/**
 * Server-side copy. A plain object is copied with `X-Copy-From` (type and metadata go
 * along). A Static Large Object is not: copying its manifest would share segments between
 * two objects (deleting one would break the other), and copying its content is capped at
 * 5 GiB. So its segments are copied server-side to the target's own, then a new manifest.
 */
export async function copyObject(
  ctx: StoreContext,
  from: string,
  to: string,
): Promise<void> {
  await ctx.ensureContainer("main");
  const headers = await headRaw(ctx, from);
  if (!headers) throw errorForStatus(404, at(ctx, "copy", from));
  if (headers.get("x-static-large-object")?.toLowerCase() === "true")
    return copyLargeObject(ctx, from, to, headers);
  const context = at(ctx, "copy", to);
  // A plain object copied over a large one: its segments would be left to nobody.
  const replaced = await segmentsToReplace(ctx, to);
  const response = await ctx.client.request({
    method: "PUT",
    path: objectPath(ctx.container, to),
    headers: {
      "x-copy-from": objectPath(ctx.container, from),
      "content-length": "0",
    },
    context,
  });
  if (response.status !== 201)
    throw await statusError(
      response,
      response.status === 404 ? at(ctx, "copy", from) : context,
    );
  await response.body?.cancel();
  await dropReplaced(ctx, to, replaced);
}

async function copyLargeObject(
  ctx: StoreContext,
  from: string,
  to: string,
  headers: Headers,
): Promise<void> {
  const source = await readManifest(ctx, from);
  if (!source) throw errorForStatus(404, at(ctx, "copy", from));
  const replaced = await replacedSegments(ctx, to);
  const prefix = newUploadPrefix(to);
  const copied: string[] = [];
  try {
    const entries: ManifestEntry[] = [];
    for (const [index, segment] of source.entries()) {
      const name = segmentName(prefix, index);
      copied.push(name);
      const segContext = at(ctx, "copy segment", name, ctx.segmentsContainer);
      const response = await ctx.client.request({
        method: "PUT",
        path: objectPath(ctx.segmentsContainer, name),
        headers: {
          "x-copy-from": `/${encodeKey(segment.path.replace(/^\//, ""))}`,
          "content-length": "0",
        },
        context: segContext,
      });
      if (response.status !== 201)
        throw await statusError(response, segContext);
      await response.body?.cancel();
      entries.push({
        path: `/${ctx.segmentsContainer}/${name}`,
        etag: segment.etag,
        size_bytes: segment.size_bytes,
      });
    }
    const meta: Record<string, string> = {
      "content-type": headers.get("content-type") ?? "application/octet-stream",
    };
    for (const [name, value] of Object.entries(metadataOf(headers)))
      meta[`x-object-meta-${name}`] = value;
    const putContext = at(ctx, "copy", to);
    const response = await ctx.client.request({
      method: "PUT",
      path: objectPath(ctx.container, to),
      query: { "multipart-manifest": "put" },
      headers: meta,
      body: Buffer.from(JSON.stringify(entries)),
      context: putContext,
    });
    if (response.status !== 201) throw await statusError(response, putContext);
    await response.body?.cancel();
    await deleteObjects(ctx, ctx.segmentsContainer, replaced).catch(
      () => undefined,
    );
  } catch (error) {
    await deleteObjects(ctx, ctx.segmentsContainer, copied).catch(
      () => undefined,
    );
    throw error;
  }
}
