import { createHash, randomUUID } from "node:crypto";
import { isStorageError } from "@cloud-platform/storage-core";
import { deleteObjects } from "./bulk-delete.js";
import { listContainer } from "./list-objects.js";
import { objectPath, statusError } from "./map-error.js";
import { at, type StoreContext } from "./store-context.js";

/** One entry of an SLO manifest, as `?multipart-manifest=put` wants it. */
export interface ManifestEntry {
  path: string;
  etag: string;
  size_bytes: number;
}

/** `<upload id>/<8-digit segment number>` below a key's segment base. */
const SEGMENT_TAIL = /^[0-9a-z]+-[0-9a-f]{8}\/\d{8}$/;

/** `<base>/slo/<upload id>/<8-digit number>`: the greedy base part keeps keys holding `/slo/`. */
export const SEGMENT = /^(.*)\/slo\/([0-9a-z]+-[0-9a-f]{8})\/\d{8}$/;

/**
 * Segment bases of keys over 900 bytes: their SHA-256, with no way back to the key but a
 * listing. A short key of 64 hex digits has the same shape: both are candidates.
 */
export const HASHED_BASE = /^[0-9a-f]{64}$/;

/** The segment base (`<key or its hash>/slo/`) of a segment name, if it is one of ours. */
export function segmentBaseOf(name: string): string | undefined {
  const match = SEGMENT.exec(name);
  return match ? `${match[1] ?? ""}/slo/` : undefined;
}

/** Where the segments of every upload of `key` go: `<key>/slo/` (the key hashed when long). */
export function segmentBase(key: string): string {
  return `${Buffer.byteLength(key) > 900 ? createHash("sha256").update(key).digest("hex") : key}/slo/`;
}

/** A new upload's segment prefix: `<base><time>-<random>/`. */
export function newUploadPrefix(key: string): string {
  return `${segmentBase(key)}${Date.now().toString(36)}-${randomUUID().slice(0, 8)}/`;
}

/** The name of segment `index` (0-based) of an upload. */
export function segmentName(prefix: string, index: number): string {
  return `${prefix}${String(index + 1).padStart(8, "0")}`;
}

/** Whether `name` (in the segments container) is a segment this store wrote for `key`. */
function isSegmentOf(key: string, name: string): boolean {
  const base = segmentBase(key);
  return name.startsWith(base) && SEGMENT_TAIL.test(name.slice(base.length));
}

/**
 * The manifest of the SLO stored under `key`, or `undefined` when there is none (missing,
 * or a plain object, whose body is then not downloaded).
 */
export async function readManifest(
  ctx: StoreContext,
  key: string,
): Promise<ManifestEntry[] | undefined> {
  const context = at(ctx, "get manifest", key);
  const response = await ctx.client.request({
    method: "GET",
    path: objectPath(ctx.container, key),
    query: { "multipart-manifest": "get", format: "raw" },
    context,
  });
  if (response.status !== 200 && response.status !== 404)
    throw await statusError(response, context);
  if (
    response.status === 200 &&
    response.headers.get("x-static-large-object")?.toLowerCase() === "true"
  ) {
    return (await response.json()) as ManifestEntry[];
  }
  await response.body?.cancel();
  return undefined;
}

/**
 * The segments this store wrote for the SLO now under `key`: read before replacing it, and
 * removed after the new object is in place. Only the segments of the replaced manifest go,
 * never a listing of the key's segments: a concurrent upload of the same key keeps its own.
 */
export async function replacedSegments(
  ctx: StoreContext,
  key: string,
): Promise<string[]> {
  const manifest = await readManifest(ctx, key).catch(() => undefined);
  return segmentNames(ctx, manifest ?? []).filter((name) =>
    isSegmentOf(key, name),
  );
}

/**
 * Removes every segment this store wrote for `key` (after a plain object replaced a large
 * one, its segments stay until the key is deleted) and answers their names. The strict name
 * pattern keeps the segments of a key like `<key>/slo/x` safe. Best effort: a failure
 * leaves orphans.
 */
export async function removeSegmentsOf(
  ctx: StoreContext,
  key: string,
): Promise<string[]> {
  const stale: string[] = [];
  try {
    for await (const entry of listContainer(
      ctx,
      ctx.segmentsContainer,
      segmentBase(key),
    ))
      if (isSegmentOf(key, entry.name)) stale.push(entry.name);
    if (stale.length > 0)
      await deleteObjects(ctx, ctx.segmentsContainer, stale);
    return stale;
  } catch (error) {
    if (!isStorageError(error)) throw error;
    return stale;
  }
}

/** The segment names (in the segments container) a manifest refers to. */
export function segmentNames(
  ctx: StoreContext,
  manifest: readonly ManifestEntry[],
): string[] {
  const prefix = `/${ctx.segmentsContainer}/`;
  return manifest
    .filter((e) => e.path.startsWith(prefix))
    .map((e) => e.path.slice(prefix.length));
}
