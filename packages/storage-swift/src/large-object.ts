import { createHash } from "node:crypto";
import {
  StorageError,
  StorageErrorCode,
  type PutOptions,
  type PutResult,
} from "@cloud-platform/storage-core";
import { ChunkReader, meteredBody } from "./chunk-reader.js";
import { deleteObjects } from "./bulk-delete.js";
import { noteSegments } from "./segment-index.js";
import {
  newUploadPrefix,
  readManifest,
  replacedSegments,
  segmentName,
  segmentNames,
  type ManifestEntry,
} from "./segments.js";
import { cleanEtag, objectPath, statusError } from "./map-error.js";
import { at, type StoreContext } from "./store-context.js";
import { objectHeaders } from "./object-headers.js";

/** Swift's default `max_manifest_segments`. */
const MAX_SEGMENTS = 1000;

/**
 * Uploads a Static Large Object: segments of `segmentSize` one after the other (each
 * streamed, its ETag checked), then the manifest. On any failure the segments already
 * stored are removed; the manifest comes last, so no partial object is ever visible.
 */
export async function uploadLargeObject(
  ctx: StoreContext,
  key: string,
  body: Buffer | ChunkReader,
  options: PutOptions,
): Promise<PutResult> {
  await ctx.ensureContainer("segments");
  const replaced = await replacedSegments(ctx, key);
  const prefix = newUploadPrefix(key);
  const entries: ManifestEntry[] = [];
  const stored: string[] = [];
  try {
    for (let index = 0; ; index++) {
      const name = segmentName(prefix, index);
      const piece = Buffer.isBuffer(body)
        ? body.subarray(index * ctx.segmentSize, (index + 1) * ctx.segmentSize)
        : body;
      if (
        Buffer.isBuffer(piece)
          ? piece.length === 0 && index > 0
          : await piece.atEnd()
      )
        break;
      if (index >= MAX_SEGMENTS) {
        throw new StorageError(
          StorageErrorCode.TooLarge,
          `put ${at(ctx, "put", key).what}: more than ${MAX_SEGMENTS} segments; raise segmentSize`,
          { key, store: ctx.label },
        );
      }
      stored.push(name);
      entries.push(await putSegment(ctx, name, piece, options.signal));
    }
    const etag = await putManifest(ctx, key, entries, options);
    noteSegments(ctx, key, stored);
    await deleteObjects(ctx, ctx.segmentsContainer, replaced).catch(
      () => undefined,
    );
    await dropIfOverwritten(ctx, key, prefix, stored);
    const size = entries.reduce((sum, e) => sum + e.size_bytes, 0);
    return etag === undefined ? { key, size } : { key, size, etag };
  } catch (error) {
    // `stored` includes a segment whose upload failed half-way (Swift stored nothing then).
    await deleteObjects(ctx, ctx.segmentsContainer, stored).catch(
      () => undefined,
    );
    throw error;
  }
}

/**
 * Two uploads of one key race: when another manifest already replaced ours, nobody will
 * ever delete our segments (the other upload read the key's manifest before ours existed),
 * so we do. Best effort; what a race still leaves (the other upload checked before we
 * overwrote it) is listed by `listLeftovers` and collected by `cloud-platform gc`.
 */
async function dropIfOverwritten(
  ctx: StoreContext,
  key: string,
  prefix: string,
  stored: readonly string[],
): Promise<void> {
  try {
    const current = segmentNames(ctx, (await readManifest(ctx, key)) ?? []);
    if (current.some((name) => name.startsWith(prefix))) return;
    await deleteObjects(ctx, ctx.segmentsContainer, stored);
  } catch {
    // Left for gc.
  }
}

async function putSegment(
  ctx: StoreContext,
  name: string,
  piece: Buffer | ChunkReader,
  signal: AbortSignal | undefined,
): Promise<ManifestEntry> {
  const context = at(ctx, "put segment", name, ctx.segmentsContainer);
  const path = objectPath(ctx.segmentsContainer, name);
  const headers = { "content-type": "application/octet-stream" };
  let md5: string;
  let size: number;
  let response: Response;
  if (Buffer.isBuffer(piece)) {
    md5 = createHash("md5").update(piece).digest("hex");
    size = piece.length;
    response = await ctx.client.request({
      method: "PUT",
      path,
      headers: { ...headers, etag: md5 },
      body: piece,
      signal,
      context,
    });
  } else {
    const body = meteredBody(piece, ctx.segmentSize);
    response = await ctx.client.request({
      method: "PUT",
      path,
      headers,
      body: body.stream,
      bodyError: body.error,
      signal,
      context,
    });
    md5 = body.md5();
    size = body.size();
  }
  if (response.status !== 201) throw await statusError(response, context);
  await response.body?.cancel();
  if (cleanEtag(response.headers.get("etag")) !== md5) {
    throw new StorageError(
      StorageErrorCode.Integrity,
      `put ${context.what}: the server stored other bytes than were sent`,
      { store: ctx.label },
    );
  }
  return {
    path: `/${ctx.segmentsContainer}/${name}`,
    etag: md5,
    size_bytes: size,
  };
}

async function putManifest(
  ctx: StoreContext,
  key: string,
  entries: ManifestEntry[],
  options: PutOptions,
): Promise<string | undefined> {
  const context = at(ctx, "put", key);
  const response = await ctx.client.request({
    method: "PUT",
    path: objectPath(ctx.container, key),
    query: { "multipart-manifest": "put" },
    headers: objectHeaders(options),
    body: Buffer.from(JSON.stringify(entries)),
    signal: options.signal,
    context,
  });
  if (response.status !== 201) throw await statusError(response, context);
  await response.body?.cancel();
  return cleanEtag(response.headers.get("etag"));
}
