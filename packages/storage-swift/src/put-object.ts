import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import {
  StorageError,
  StorageErrorCode,
  type PutOptions,
  type PutResult,
} from "@cloud-platform/storage-core";
import { deleteObjects } from "./bulk-delete.js";
import { ChunkReader, meteredBody } from "./chunk-reader.js";
import { uploadLargeObject } from "./large-object.js";
import { objectHeaders } from "./object-headers.js";
import { cleanEtag, objectPath, statusError } from "./map-error.js";
import { noteSegments, segmentIndex } from "./segment-index.js";
import { replacedSegments, segmentBase } from "./segments.js";
import { at, type StoreContext } from "./store-context.js";

/** Streams of unknown size are buffered up to this much, so small ones get a retryable PUT. */
const PEEK_LIMIT = 8 * 1024 * 1024;

/**
 * Stores a body: one PUT up to the threshold, a Static Large Object above it. Buffers and
 * small streams are sent with their MD5 for the server to check and are retried; larger
 * streams are sent once, chunked, with the caller's MD5 when it has one (checked by the
 * server); without one the MD5 is checked against the server's ETag afterwards and a
 * mismatch removed, so such streams must go to keys no other attachment uses (unique keys).
 */
export async function putObject(
  ctx: StoreContext,
  key: string,
  body: Buffer | Readable,
  options: PutOptions,
): Promise<PutResult> {
  await ctx.ensureContainer("main");
  if (Buffer.isBuffer(body)) {
    return body.length > ctx.largeObjectThreshold
      ? uploadLargeObject(ctx, key, body, options)
      : putBuffer(ctx, key, body, options);
  }
  const reader = new ChunkReader(body);
  try {
    const known = options.size;
    if (known !== undefined && known > ctx.largeObjectThreshold)
      return await uploadLargeObject(ctx, key, reader, options);
    if (known !== undefined && known > PEEK_LIMIT)
      return await putStream(ctx, key, reader, options);
    const small = await reader.readAllUpTo(
      Math.min(PEEK_LIMIT, ctx.largeObjectThreshold),
    );
    if (small) return await putBuffer(ctx, key, small, options);
    return await uploadLargeObject(ctx, key, reader, options);
  } finally {
    reader.destroy();
  }
}

/**
 * One PUT of bytes in memory, with the MD5 as ETag: the server refuses a mismatch with 422
 * before anything is stored. Always hashed first, never checked afterwards: a buffer may be
 * content-addressed, and an after-the-fact mismatch could only be undone by deleting a key
 * other attachments share.
 */
export async function putBuffer(
  ctx: StoreContext,
  key: string,
  bytes: Buffer,
  options: PutOptions,
): Promise<PutResult> {
  // The caller's MD5 is of the bytes it meant to send: the server refuses others (422).
  const etag = options.md5 ?? createHash("md5").update(bytes).digest("hex");
  const replaced = await segmentsToReplace(ctx, key);
  const response = await ctx.client.request({
    method: "PUT",
    path: objectPath(ctx.container, key),
    headers: { ...objectHeaders(options), etag },
    body: bytes,
    signal: options.signal,
    context: at(ctx, "put", key),
  });
  if (response.status !== 201)
    throw await statusError(response, at(ctx, "put", key));
  await response.body?.cancel();
  await dropReplaced(ctx, key, replaced);
  return { key, size: bytes.length, etag };
}

/**
 * The segments of the large object a plain put (or copy) to `key` is about to replace, which nobody
 * would delete after it (python-swiftclient removes them too). Its manifest is read only when
 * the segments container listing (see `segmentIndex`: one per few minutes, not one per put)
 * has segments under the key: a put of a new key or over a plain object sends its PUT alone.
 */
export async function segmentsToReplace(
  ctx: StoreContext,
  key: string,
): Promise<string[]> {
  const index = await segmentIndex(ctx).catch(() => undefined);
  if (index && !index.has(segmentBase(key))) return [];
  return replacedSegments(ctx, key);
}

/** Deletes the replaced segments once the new object is stored; best effort (else gc's leftovers). */
export async function dropReplaced(
  ctx: StoreContext,
  key: string,
  replaced: readonly string[],
): Promise<void> {
  if (replaced.length === 0) return;
  try {
    await deleteObjects(ctx, ctx.segmentsContainer, replaced);
    noteSegments(ctx, key, []);
  } catch {
    // Left as a segment set without a manifest: listed by listLeftovers, removed by gc.
  }
}

/** Compares the server's ETag with the MD5 of what was sent; removes the object on a mismatch. */
async function checkStored(
  ctx: StoreContext,
  key: string,
  response: Response,
  md5: string,
  size: number,
): Promise<PutResult> {
  if (response.status !== 201)
    throw await statusError(response, at(ctx, "put", key));
  await response.body?.cancel();
  if (cleanEtag(response.headers.get("etag")) !== md5) {
    await ctx.client
      .request({
        method: "DELETE",
        path: objectPath(ctx.container, key),
        context: at(ctx, "delete", key),
      })
      .then((r) => r.body?.cancel());
    throw new StorageError(
      StorageErrorCode.Integrity,
      `put ${at(ctx, "put", key).what}: the server stored other bytes than were sent`,
      { key, store: ctx.label },
    );
  }
  return { key, size, etag: md5 };
}

/** One chunked PUT of a stream of known size; a failing source cuts the request, so nothing is stored. */
async function putStream(
  ctx: StoreContext,
  key: string,
  reader: ChunkReader,
  options: PutOptions,
): Promise<PutResult> {
  const replaced = await segmentsToReplace(ctx, key);
  const body = meteredBody(
    reader,
    Number.POSITIVE_INFINITY,
    options.md5 === undefined,
  );
  const response = await ctx.client.request({
    method: "PUT",
    path: objectPath(ctx.container, key),
    headers:
      options.md5 === undefined
        ? objectHeaders(options)
        : { ...objectHeaders(options), etag: options.md5 },
    body: body.stream,
    bodyError: body.error,
    signal: options.signal,
    context: at(ctx, "put", key),
  });
  const stored = await checkStored(
    ctx,
    key,
    response,
    options.md5 ?? body.md5(),
    body.size(),
  );
  await dropReplaced(ctx, key, replaced);
  return stored;
}
