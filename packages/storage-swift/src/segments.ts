import { createHash, randomUUID } from 'node:crypto';
import { isStorageError } from '@cloud-platform/storage-core';
import { deleteObjects } from './bulk-delete.js';
import { listContainer } from './list.js';
import type { StoreContext } from './store-context.js';

/** `<upload id>/<8-digit segment number>` below a key's segment base. */
const SEGMENT_TAIL = /^[0-9a-z]+-[0-9a-f]{8}\/\d{8}$/;

/** Where the segments of every upload of `key` go: `<key>/slo/` (the key hashed when long). */
export function segmentBase(key: string): string {
  return `${Buffer.byteLength(key) > 900 ? createHash('sha256').update(key).digest('hex') : key}/slo/`;
}

/** A new upload's segment prefix: `<base><time>-<random>/`. */
export function newUploadPrefix(key: string): string {
  return `${segmentBase(key)}${Date.now().toString(36)}-${randomUUID().slice(0, 8)}/`;
}

/** The name of segment `index` (0-based) of an upload. */
export function segmentName(prefix: string, index: number): string {
  return `${prefix}${String(index + 1).padStart(8, '0')}`;
}

/**
 * Removes the segments this store wrote for `key`, except those under `keep` (the live
 * upload). The strict name pattern keeps the segments of a key like `<key>/slo/x` safe.
 * Best effort: a failure leaves orphans, never breaks the caller.
 */
export async function removeSegmentsOf(ctx: StoreContext, key: string, keep?: string): Promise<void> {
  const base = segmentBase(key);
  const stale: string[] = [];
  try {
    for await (const entry of listContainer(ctx, ctx.segmentsContainer, base)) {
      const tail = entry.name.slice(base.length);
      if (SEGMENT_TAIL.test(tail) && (keep === undefined || !entry.name.startsWith(keep))) stale.push(entry.name);
    }
    if (stale.length > 0) await deleteObjects(ctx, ctx.segmentsContainer, stale);
  } catch (error) {
    if (!isStorageError(error)) throw error;
  }
}
