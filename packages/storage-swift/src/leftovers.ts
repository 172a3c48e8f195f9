import { createHash } from "node:crypto";
import { isStorageError, type Leftover } from "@cloud-platform/storage-core";
import { deleteObjects } from "./bulk-delete.js";
import { listContainer, type RawListEntry } from "./list-objects.js";
import {
  HASHED_BASE,
  SEGMENT,
  readManifest,
  segmentBase,
  segmentNames,
} from "./segments.js";
import type { StoreContext } from "./store-context.js";

interface Group {
  /** The key part of the segment base: the key, or the SHA-256 of a key over 900 bytes. */
  base: string;
  prefix: string;
  size: number;
  lastModified: Date | undefined;
}

/** Manifest prefixes by key, read once per key. */
type Manifests = Map<string, Set<string>>;

/**
 * Segment sets in `<container>_segments` that the object under their key does not reference:
 * the segments of an SLO upload killed before its manifest, or of one whose manifest another
 * upload replaced. One listing of the segments container and one manifest read per key that
 * has segments (large objects are few). Sets under a hashed base (keys over 900 bytes) wait
 * for one listing of the container that finds the keys they may belong to. A set still being
 * uploaded has no manifest either: its last write is recent, and the caller's grace period
 * keeps it.
 */
export async function* listSegmentLeftovers(
  ctx: StoreContext,
  signal: AbortSignal | undefined,
): AsyncGenerator<Leftover> {
  const manifests: Manifests = new Map();
  const hashed: Group[] = [];
  const options = signal ? { signal } : {};
  let group: Group | undefined;
  try {
    for await (const entry of listContainer(
      ctx,
      ctx.segmentsContainer,
      "",
      options,
    )) {
      const match = SEGMENT.exec(entry.name);
      if (!match) continue;
      const base = match[1] ?? "";
      const prefix = `${base}/slo/${match[2] ?? ""}/`;
      if (group?.prefix !== prefix) {
        if (group && HASHED_BASE.test(group.base)) hashed.push(group);
        else if (group) {
          const leftover = await unreferenced(ctx, manifests, group, [
            group.base,
          ]);
          if (leftover) yield leftover;
        }
        group = { base, prefix, size: 0, lastModified: undefined };
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
  if (group && HASHED_BASE.test(group.base)) hashed.push(group);
  else if (group) {
    const leftover = await unreferenced(ctx, manifests, group, [group.base]);
    if (leftover) yield leftover;
  }
  if (hashed.length === 0) return;
  const longKeys = await longKeysByHash(ctx, signal);
  for (const g of hashed) {
    const leftover = await unreferenced(ctx, manifests, g, [
      ...(longKeys.get(g.base) ?? []),
      g.base,
    ]);
    if (leftover) yield leftover;
  }
}

/**
 * The leftover a group is when none of the keys it may belong to references it. Its key is
 * the first candidate: the long key when one exists, else the base itself.
 */
async function unreferenced(
  ctx: StoreContext,
  manifests: Manifests,
  g: Group,
  candidates: readonly string[],
): Promise<Leftover | undefined> {
  for (const key of candidates)
    if (await referenced(ctx, manifests, key, g.prefix)) return undefined;
  return {
    kind: "segments",
    key: candidates[0] ?? g.base,
    id: g.prefix,
    size: g.size,
    ...(g.lastModified ? { lastModified: g.lastModified } : {}),
  };
}

/** Keys over 900 bytes in the container, by the SHA-256 their segments are stored under. */
async function longKeysByHash(
  ctx: StoreContext,
  signal: AbortSignal | undefined,
): Promise<Map<string, string[]>> {
  const byHash = new Map<string, string[]>();
  for await (const entry of listContainer(ctx, ctx.container, "", {
    pageSize: 10_000,
    ...(signal ? { signal } : {}),
  })) {
    if (Buffer.byteLength(entry.name) <= 900) continue;
    const hash = createHash("sha256").update(entry.name).digest("hex");
    byHash.set(hash, [...(byHash.get(hash) ?? []), entry.name]);
  }
  return byHash;
}

/**
 * Deletes a segment set, after reading the manifests of the keys it may belong to once more:
 * a set whose upload finished since it was listed is the object's now, and stays. A set
 * under a hashed base listed without its key is checked against the long keys listed again.
 */
export async function removeSegmentLeftover(
  ctx: StoreContext,
  leftover: Leftover,
): Promise<void> {
  if (leftover.kind !== "segments") return;
  const base = segmentBase(leftover.key);
  if (!leftover.id.startsWith(base)) return;
  const hash = base.slice(0, -"/slo/".length);
  const candidates = HASHED_BASE.test(hash)
    ? [
        leftover.key,
        ...((await longKeysByHash(ctx, undefined)).get(hash) ?? []),
        hash,
      ]
    : [leftover.key];
  for (const key of new Set(candidates))
    if (await referenced(ctx, new Map(), key, leftover.id)) return;
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
  cache: Manifests,
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
