import { createHash, type Hash } from "node:crypto";
import { setImmediate } from "node:timers/promises";
import { StorageError, StorageErrorCode } from "../errors.js";
import type { ObjectStore } from "../object-store.js";
import type { AttachmentRecord, RefMove } from "./attachment-index.js";
import type { ByteBudget } from "./byte-budget.js";
import { contentKey, uniqueKey } from "./content.js";
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

/**
 * The keys of a run's copies in flight (in every batch not yet committed) in their target,
 * with the bytes each will hold: two rows that share a legacy key with different bytes
 * never both write it (the second gets a fresh key), and a failed copy is not deleted while
 * another row still needs it. A key is given back when its copy fails or its batch commits.
 */
export class BatchKeys {
  private readonly keys = new Map<string, { checksum: string; rows: number }>();

  /** Claims `ref` for bytes `checksum`; `false` when the batch already writes other bytes there. */
  reserve(ref: string, checksum: string): boolean {
    const held = this.keys.get(ref);
    if (held === undefined) {
      this.keys.set(ref, { checksum, rows: 1 });
      return true;
    }
    if (held.checksum !== checksum) return false;
    held.rows += 1;
    return true;
  }

  /** Gives `ref` back; whether no other row of the batch still uses it. */
  release(ref: string): boolean {
    const held = this.keys.get(ref);
    if (held === undefined) return true;
    held.rows -= 1;
    if (held.rows > 0) return false;
    this.keys.delete(ref);
    return true;
  }
}

/** Files up to this size are read once into memory, proven there and sent from there. */
export const IN_MEMORY_LIMIT = 8 * 1024 * 1024;

/**
 * Bytes a streamed source (a file above {@link IN_MEMORY_LIMIT}) is read at a time, to prove it
 * and to send it: 64 KiB chunks (Node's default) cost 60 ms of CPU per 100 MB read here
 * against 22 ms with 1 MiB ones, and each chunk is a turn through the upload's streams too.
 */
export const STREAM_CHUNK = 1024 * 1024;

/**
 * What a streamed copy holds in memory besides the store's own buffers: the chunk read
 * ahead, the one being hashed or sent, and the one in the socket's queue, with room to spare.
 */
export const STREAM_SHARE = 4 * STREAM_CHUNK;

/**
 * Streamed sources a run proves at once. Hashing runs on the one JavaScript thread, so
 * proofs side by side only slow each other down, and they fell into step: with 8 large
 * files in flight, all 8 hashed together while the server waited, then all 8 uploaded
 * while the client waited. One or two at a time keep the proof of one file beside the
 * uploads of the others: 20 × 100 MB moved 1.16× (S3) and 1.20× (Swift) faster, medians
 * of two rounds (BENCHMARKS.md, 2026-12-03);
 * two rather than one, for a source whose reads wait on a network (the database store).
 */
export const STREAMED_PROOFS = 2;

/** What reading the source found: its MD5, and its bytes when they were kept in memory. */
interface ProvenSource {
  md5: string;
  bytes?: Buffer;
}

/** Bytes hashed between two turns of the event loop (about 2 ms of SHA-256 + MD5 here). */
const HASH_SLICE = 1024 * 1024;

/**
 * Hashes bytes in memory a slice at a time, yielding to the event loop between slices: an
 * 8 MiB file hashed at once held the loop for 25-60 ms (a serving process's probes and
 * requests waited behind every file of a migration).
 */
async function hashInSlices(bytes: Buffer, hashes: Hash[]): Promise<void> {
  for (let at = 0; at < bytes.length; at += HASH_SLICE) {
    if (at > 0) await setImmediate();
    const slice = bytes.subarray(at, at + HASH_SLICE);
    for (const hash of hashes) hash.update(slice);
  }
}

/**
 * Reads the source and proves it is the recorded bytes (size and SHA-256) before anything
 * is written anywhere. Small files stay in memory for the upload; larger ones are read again.
 *
 * @throws StorageError `E_INTEGRITY` when the bytes are not the recorded ones.
 */
async function proveSource(
  source: ObjectStore,
  key: string,
  record: AttachmentRecord,
  proofs: ByteBudget,
  signal?: AbortSignal,
): Promise<ProvenSource> {
  const options = signal ? { signal } : {};
  const sha = createHash("sha256");
  const md5 = createHash("md5");
  let size = 0;
  let bytes: Buffer | undefined;
  if (record.size <= IN_MEMORY_LIMIT) {
    bytes = await source.get(key, options);
    await hashInSlices(bytes, [sha, md5]);
    size = bytes.length;
  } else {
    const done = await proofs.take(1);
    try {
      const stream = await source.getStream(key, {
        ...options,
        chunkSize: STREAM_CHUNK,
      });
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        sha.update(chunk);
        md5.update(chunk);
        size += chunk.length;
      }
    } finally {
      done();
    }
  }
  if (size !== record.size || sha.digest("hex") !== record.checksum)
    throw integrity(
      record,
      "the source bytes do not match the recorded size and checksum; left in place, nothing written",
    );
  const md5Hex = md5.digest("hex");
  return bytes === undefined ? { md5: md5Hex } : { md5: md5Hex, bytes };
}

/** Where one claimed row's bytes go: the target, and the key chosen before anything is read. */
export interface PlannedCopy {
  record: AttachmentRecord;
  target: WriteTarget;
  key: string;
}

/**
 * Chooses the key of a row's copy: its own key, or a fresh one when another row of the batch
 * writes other bytes there. Taken before the copies start, so the ref can be reserved first.
 */
export function planCopy(
  record: AttachmentRecord,
  target: WriteTarget,
  keys: BatchKeys,
): PlannedCopy {
  let key = parseRef(record.ref).key;
  if (!keys.reserve(target.ref(key), record.checksum)) {
    key = uniqueKey();
    keys.reserve(target.ref(key), record.checksum);
  }
  return { record, target, key };
}

/** Moves a plan to a fresh key: its own is being collected, and its delete may land at any moment. */
export function toFreshKey(plan: PlannedCopy, keys: BatchKeys): PlannedCopy {
  keys.release(plan.target.ref(plan.key));
  const key = uniqueKey();
  keys.reserve(plan.target.ref(key), plan.record.checksum);
  return { ...plan, key };
}

/** What {@link copyToTarget} needs besides the plan. */
export interface CopyOptions {
  verify: "full" | "size";
  keys: BatchKeys;
  /** Refs a failed copy may have left bytes under: collected once the claim ends. */
  leftovers: string[];
  /**
   * The run's budget for the bytes its copies hold in memory: a file read whole (up to
   * {@link IN_MEMORY_LIMIT}) takes its size; a streamed one {@link STREAM_SHARE} plus what the
   * target's put buffers (an S3 multipart upload's parts).
   */
  budget: ByteBudget;
  /** The run's slots for proving streamed sources ({@link STREAMED_PROOFS}), one taken per proof. */
  proofs: ByteBudget;
  signal?: AbortSignal;
}

/**
 * Copies one attachment's bytes to its planned key (a fresh one when a legacy key holds other
 * bytes there), and returns the ref change to commit. The source is proven first, so a
 * damaged local file never overwrites good bytes another attachment shares; the upload
 * carries the MD5 of the proven bytes for the server to check. The planned ref is reserved
 * in the index, so nothing collects it before the commit: no look at the store is needed.
 * Nothing in the index changes here.
 *
 * @throws StorageError `E_INTEGRITY` when the source or the copy is not the recorded bytes.
 */
export async function copyToTarget(
  ctx: AttachmentsContext,
  plan: PlannedCopy,
  options: CopyOptions,
): Promise<RefMove> {
  // Every copy takes what it will hold from the one budget, so the run's memory stays flat
  // whatever the file sizes and the concurrency.
  const { size } = plan.record;
  const release = await options.budget.take(
    size <= IN_MEMORY_LIMIT
      ? size
      : STREAM_SHARE + (plan.target.store.bufferedBytes?.(size) ?? 0),
  );
  try {
    return await copyProven(ctx, plan, options);
  } finally {
    release();
  }
}

async function copyProven(
  ctx: AttachmentsContext,
  plan: PlannedCopy,
  options: CopyOptions,
): Promise<RefMove> {
  const { record, target } = plan;
  const { keys, signal } = options;
  const from = parseRef(record.ref);
  const source = ctx.router.forRead(from);
  let key = plan.key;
  const give = (): void => void keys.release(target.ref(key));
  let proven: ProvenSource;
  try {
    proven = await proveSource(
      source,
      from.key,
      record,
      options.proofs,
      signal,
    );
  } catch (error) {
    give();
    throw error;
  }
  const move = (): RefMove => ({
    id: record.id,
    from: record.ref,
    to: target.ref(key),
    collect: ctx.router.isOwned(from),
  });
  // A key that names its bytes can only hold these bytes (or nothing) in the target: it is
  // written again without a look first, which saves a request per file.
  if (!namesItsBytes(key, record) && (await target.store.exists(key))) {
    // Left by an interrupted run, or the same bytes of another attachment: reuse when equal.
    const existing = await hashObject(target.store, key, signal);
    if (existing.checksum === record.checksum && existing.size === record.size)
      return move();
    // Other bytes: never overwritten, whoever uses them.
    give();
    key = uniqueKey();
    keys.reserve(target.ref(key), record.checksum);
  }
  const putOptions = {
    contentType: record.mimetype,
    size: record.size,
    md5: proven.md5,
    ...(signal ? { signal } : {}),
  };
  let stored: { size: number; etag?: string };
  try {
    stored =
      proven.bytes !== undefined
        ? await target.store.put(key, proven.bytes, putOptions)
        : // Read again but not hashed again: the upload carries the proven MD5, so a server
          // that takes it in one request refuses any other bytes (changed on disk or in transit).
          await target.store.put(
            key,
            await source.getStream(from.key, {
              chunkSize: STREAM_CHUNK,
              ...(signal ? { signal } : {}),
            }),
            putOptions,
          );
  } catch (error) {
    // Refused or failed: the store kept nothing (a put is all or nothing).
    give();
    throw error;
  }
  // A streamed copy whose ETag is not the proven MD5 went in parts (multipart, SLO) or to a
  // store whose ETag is no MD5 (SSE-KMS): nothing checked its whole body, so it is read back.
  const unchecked = proven.bytes === undefined && stored.etag !== proven.md5;
  const copy =
    options.verify === "full" || unchecked
      ? await hashObject(target.store, key, signal)
      : // proven bytes, their MD5 checked by the server; the store reports what it accepted
        { checksum: record.checksum, size: stored.size };
  if (copy.checksum !== record.checksum || copy.size !== record.size) {
    give();
    options.leftovers.push(target.ref(key));
    throw integrity(
      record,
      `the copy in ${target.location} is not the recorded bytes (changed while it was copied?)`,
    );
  }
  return move();
}
