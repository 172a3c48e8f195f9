import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type {
  GetStreamOptions,
  ObjectInfo,
} from "@cloud-platform/storage-core";
import {
  errorForStatus,
  objectPath,
  statusError,
  cleanEtag,
} from "./map-error.js";
import { at, type StoreContext } from "./store-context.js";

/** The whole object in memory. */
export async function getObject(
  ctx: StoreContext,
  key: string,
  signal?: AbortSignal,
): Promise<Buffer> {
  const context = at(ctx, "get", key);
  const response = await ctx.client.request({
    method: "GET",
    path: objectPath(ctx.container, key),
    signal,
    context,
  });
  if (response.status !== 200) throw await statusError(response, context);
  return Buffer.from(await response.arrayBuffer());
}

/**
 * The object (or a byte range of it) as a Node stream with backpressure. Swift answers a
 * range on an empty object with 416, which here is an empty stream: only a start past the
 * end of a non-empty object is `E_INVALID_RANGE`.
 */
export async function getObjectStream(
  ctx: StoreContext,
  key: string,
  options: GetStreamOptions,
): Promise<Readable> {
  const context = at(ctx, "get", key);
  const { range, signal } = options;
  const headers: Record<string, string> = range
    ? { range: `bytes=${range.start}-${range.end ?? ""}` }
    : {};
  const response = await ctx.client.request({
    method: "GET",
    path: objectPath(ctx.container, key),
    headers,
    signal,
    context,
  });
  if (
    response.status === 416 &&
    response.headers.get("content-range") === "bytes */0"
  ) {
    await response.body?.cancel();
    return Readable.from([]);
  }
  if (response.status !== 200 && response.status !== 206)
    throw await statusError(response, context);
  if (!response.body) return Readable.from([]);
  return Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
}

/** The raw HEAD answer, or `undefined` when the object does not exist. */
export async function headRaw(
  ctx: StoreContext,
  key: string,
): Promise<Headers | undefined> {
  const context = at(ctx, "head", key);
  const response = await ctx.client.request({
    method: "HEAD",
    path: objectPath(ctx.container, key),
    context,
  });
  if (response.status === 404) return undefined;
  if (response.status !== 200 && response.status !== 204)
    throw errorForStatus(response.status, context);
  return response.headers;
}

/** Size, type, ETag, date and metadata of an object. */
export async function headObject(
  ctx: StoreContext,
  key: string,
): Promise<ObjectInfo> {
  const headers = await headRaw(ctx, key);
  if (!headers) throw errorForStatus(404, at(ctx, "head", key));
  return infoFrom(key, headers);
}

/** Reads an {@link ObjectInfo} from HEAD headers. */
export function infoFrom(key: string, headers: Headers): ObjectInfo {
  const info: ObjectInfo = {
    key,
    size: Number(headers.get("content-length") ?? "0"),
    contentType: headers.get("content-type") ?? "application/octet-stream",
    metadata: metadataOf(headers),
  };
  const etag = cleanEtag(headers.get("etag"));
  if (etag !== undefined) info.etag = etag;
  const modified = headers.get("last-modified");
  if (modified) info.lastModified = new Date(modified);
  return info;
}

/** The user metadata (`X-Object-Meta-*`) of an object, names in lower case. */
export function metadataOf(headers: Headers): Record<string, string> {
  const metadata: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name.startsWith("x-object-meta-"))
      metadata[name.slice("x-object-meta-".length)] = value;
  });
  return metadata;
}
