import { isStorageError, type Leftover } from "@cloud-platform/storage-core";
import { deleteObjects } from "./bulk-delete.js";
import { deleteObject } from "./delete-object.js";
import { listContainer, type RawListEntry } from "./list-objects.js";
import { readManifest, segmentNames } from "./segments.js";
import type { StoreContext } from "./store-context.js";

/** `<key>/slo/<upload id>/<8-digit number>`: the greedy key part keeps keys holding `/slo/`. */
const SEGMENT = /^(.*)\/slo\/([0-9a-z]+-[0-9a-f]{8})\/\d{8}$/;
/** Keys over 900 bytes have their segments under their SHA-256: no way back to the key. */
const HASHED_BASE = /^[0-9a-f]{64}$/;

interface Group {
  key: string;
  prefix: string;
  size: number;
  lastModified: Date | undefined;
}

/**
 * Segment sets in `<container>_segments` that the object under their key does not reference:
 * the segments of an SLO upload killed before its manifest, or of one whose manifest another
 * upload replaced. One listing of the segments container and one manifest read per key that
 * has segments (large objects are few). A set still being uploaded has no manifest either:
 * its last write is recent, and the caller's grace period keeps it.
 */
export async function* listSegmentLeftovers(
  ctx: StoreContext,
  signal: AbortSignal | undefined,
): AsyncGenerator<Leftover> {
  const manifests = new Map<string, Set<string>>();
  let group: Group | undefined;
  const entries = listContainer(ctx, ctx.segmentsContainer, "", {
    ...(signal ? { signal } : {}),
  });
  const finished = async (g: Group): Promise<Leftover | undefined> => {
    if (await referenced(ctx, manifests, g.key, g.prefix)) return undefined;
    return {
      kind: "segments",
      key: g.key,
      id: g.prefix,
      size: g.size,
      ...(g.lastModified ? { lastModified: g.lastModified } : {}),
    };
  };
  try {
    for await (const entry of entries) {
      const match = SEGMENT.exec(entry.name);
      if (!match || HASHED_BASE.test(match[1] ?? "")) continue;
      const key = match[1] ?? "";
      const prefix = `${key}/slo/${match[2] ?? ""}/`;
      if (group?.prefix !== prefix) {
        if (group) {
          const leftover = await finished(group);
          if (leftover) yield leftover;
        }
        group = { key, prefix, size: 0, lastModified: undefined };
      }
      group.size += entry.bytes;
      const modified = dateOf(entry);
      if (modified && (!group.lastModified || modified > group.lastModified))
        group.lastModified = modified;
    }
  } catch (error) {
    // No segments container: no segments.
    if (isStorageError(error, "E_NOT_FOUND")) return;
    throw error;
  }
  if (group) {
    const leftover = await finished(group);
    if (leftover) yield leftover;
  }
}

/**
 * Deletes a segment set, after reading the key's manifest once more: a set whose upload
 * finished since it was listed is the object's now, and stays.
 */
export async function removeSegmentLeftover(
  ctx: StoreContext,
  leftover: Leftover,
): Promise<void> {
  if (leftover.kind !== "segments") return;
  if (!leftover.id.startsWith(`${leftover.key}/slo/`)) return;
  if (await referenced(ctx, new Map(), leftover.key, leftover.id)) return;
  const names: string[] = [];
  try {
    for await (const entry of listContainer(
      ctx,
      ctx.segmentsContainer,
      leftover.id,
    ))
      names.push(entry.name);
  } catch (error) {
    if (isStorageError(error, "E_NOT_FOUND")) return;
    throw error;
  }
  await deleteObjects(ctx, ctx.segmentsContainer, names);
}

/** Whether the object under `key` is an SLO whose manifest points into `prefix`. */
async function referenced(
  ctx: StoreContext,
  cache: Map<string, Set<string>>,
  key: string,
  prefix: string,
): Promise<boolean> {
  let prefixes = cache.get(key);
  if (!prefixes) {
    const manifest = await readManifest(ctx, key);
    prefixes = new Set(
      segmentNames(ctx, manifest ?? []).map((name) =>
        name.slice(0, name.lastIndexOf("/") + 1),
      ),
    );
    cache.set(key, prefixes);
  }
  return prefixes.has(prefix);
}

function dateOf(entry: RawListEntry): Date | undefined {
  // Swift's listing dates are UTC without a zone designator.
  return entry.last_modified ? new Date(`${entry.last_modified}Z`) : undefined;
}

/** Below this many keys, one delete per key (each removes its own segments) is cheaper. */
const BULK_FROM = 32;

/**
 * Deletes many objects. A few keys: one delete per key, a few at once, each with its large
 * object's segments. Many keys (a garbage collection): bulk deletes of the objects (one
 * request per thousand), then one listing of the segments container to delete, in bulk too,
 * the segment sets of the deleted keys — a bulk delete alone leaves SLO segments behind.
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
  const deleted = new Set(unique);
  const segments: string[] = [];
  try {
    for await (const entry of listContainer(ctx, ctx.segmentsContainer, ""))
      if (deleted.has(SEGMENT.exec(entry.name)?.[1] ?? "\0"))
        segments.push(entry.name);
  } catch (error) {
    if (isStorageError(error, "E_NOT_FOUND")) return;
    throw error;
  }
  await deleteObjects(ctx, ctx.segmentsContainer, segments);
}
