import { createHash } from "node:crypto";
import { pipeline } from "node:stream";
import { StorageError, StorageErrorCode } from "../errors.js";
import type { ObjectStore } from "../object-store.js";
import type { AttachmentRecord, RefMove } from "./attachment-index.js";
import { HashingStream, contentKey, uniqueKey } from "./content.js";
import type { AttachmentsContext } from "./context.js";
import { parseRef } from "./refs.js";
import type { WriteTarget } from "./store-router.js";

async function hashObject(
  store: ObjectStore,
  key: string,
  signal?: AbortSignal,
): Promise<{ checksum: string; size: number }> {
  const stream = await store.getStream(key, signal ? { signal } : {});
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { checksum: hash.digest("hex"), size };
}

function integrity(record: AttachmentRecord, what: string): StorageError {
  return new StorageError(
    StorageErrorCode.Integrity,
    `attachment ${record.id} (${record.ref}): ${what}`,
    { key: record.ref },
  );
}

const UNIQUE_KEY =
  /^u\/[0-9a-f]{2}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether `key` can only ever hold this record's bytes: its content key (the SHA-256), or a
 * unique key (`u/…`, one attachment's alone). Any other key (a legacy filestore path) may
 * hold other bytes in the target and must be looked at first.
 */
function namesItsBytes(key: string, record: AttachmentRecord): boolean {
  return key === contentKey(record.checksum) || UNIQUE_KEY.test(key);
}

/** Deletes a copy we just made unless something already references it. */
async function dropCopy(
  ctx: AttachmentsContext,
  target: WriteTarget,
  key: string,
): Promise<void> {
  const ref = target.ref(key);
  await ctx.index.withRefLocks([ref], async (scope) => {
    if ((await scope.countRefs(ref)) === 0) await target.store.delete(key);
  });
}

/**
 * Copies one attachment's bytes to `target` under the same key (a fresh one when the key is
 * taken by other bytes there), checks them, and returns the ref change to commit. Nothing in
 * the index changes here.
 *
 * @throws StorageError `E_INTEGRITY` when the source or the copy is not the recorded bytes.
 */
export async function copyToTarget(
  ctx: AttachmentsContext,
  record: AttachmentRecord,
  target: WriteTarget,
  verify: "full" | "size",
  signal?: AbortSignal,
): Promise<RefMove> {
  const from = parseRef(record.ref);
  const source = ctx.router.forRead(from);
  let key = from.key;
  // The copy is confirmed under the ref lock of its new ref: a concurrent collection of the
  // same bytes (another attachment deleted) may have removed it since it was checked.
  const move = (): RefMove => ({
    id: record.id,
    from: record.ref,
    to: target.ref(key),
    collect: ctx.router.isOwned(from),
    confirm: () => target.store.exists(key),
  });
  // A key that names its bytes can only hold these bytes (or nothing) in the target: it is
  // written again without a look first, which saves a request per file.
  if (!namesItsBytes(key, record) && (await target.store.exists(key))) {
    // Left by an interrupted run, or the same bytes of another attachment: reuse when equal.
    const existing = await hashObject(target.store, key, signal);
    if (existing.checksum === record.checksum && existing.size === record.size)
      return move();
    if ((await ctx.index.countRefs(target.ref(key))) > 0) key = uniqueKey();
  }
  const hashing = new HashingStream();
  const stream = await source.getStream(from.key, signal ? { signal } : {});
  const body = pipeline(stream, hashing, () => undefined);
  const stored = await target.store.put(
    key,
    body,
    signal
      ? { contentType: record.mimetype, size: record.size, signal }
      : { contentType: record.mimetype, size: record.size },
  );
  if (hashing.digest() !== record.checksum) {
    await dropCopy(ctx, target, key);
    throw integrity(
      record,
      "the source bytes do not match the recorded checksum; left in place",
    );
  }
  const copy =
    verify === "full"
      ? await hashObject(target.store, key, signal)
      : // the bytes were hashed on their way in; the store reports what it accepted
        { checksum: record.checksum, size: stored.size };
  if (copy.checksum !== record.checksum || copy.size !== record.size) {
    await dropCopy(ctx, target, key);
    throw integrity(
      record,
      `the copy in ${target.location} does not read back as written`,
    );
  }
  return move();
}
