import { Transform, type Readable, type TransformCallback } from "node:stream";
import { createHash } from "node:crypto";
import { StorageError, StorageErrorCode } from "../errors.js";
import type { ObjectStore } from "../object-store.js";
import type { AttachmentRecord } from "./attachment-index.js";
import { sha256Hex } from "./content.js";
import type { AttachmentsContext } from "./context.js";
import { parseRef } from "./refs.js";

/** Options of {@link Attachments.open}. */
export interface OpenAttachmentOptions {
  /** Inclusive byte range, as in HTTP `Range: bytes=start-end`; `end` is clipped to the size. */
  range?: { start: number; end?: number };
  signal?: AbortSignal;
}

/** An attachment opened for reading: what an HTTP response needs. */
export interface OpenedAttachment {
  record: AttachmentRecord;
  /**
   * The bytes (the range when one was asked). Fails with `E_INTEGRITY` before its last chunk
   * when the object's bytes are not the recorded ones (a range reads the whole object to know).
   */
  stream: Readable;
  /** Bytes in `stream` (the Content-Length). */
  size: number;
  /** The whole attachment's size. */
  totalSize: number;
  /** The range served, both ends inclusive, when one was asked. */
  range?: { start: number; end: number };
  mimetype: string;
  name: string;
  /** The SHA-256 checksum: a strong ETag. */
  etag: string;
}

function shown(value: unknown): string {
  return typeof value === "string"
    ? JSON.stringify(value.slice(0, 100))
    : typeof value;
}

/** The record of `id`. @throws StorageError `E_NOT_FOUND` */
export async function requireRecord(
  ctx: AttachmentsContext,
  id: string,
): Promise<AttachmentRecord> {
  const record =
    typeof id === "string" && id.length > 0
      ? await ctx.index.get(id)
      : undefined;
  if (!record)
    throw new StorageError(
      StorageErrorCode.NotFound,
      `attachment ${shown(id)} not found`,
      { key: typeof id === "string" ? id : undefined },
    );
  return record;
}

function storeOf(
  ctx: AttachmentsContext,
  record: AttachmentRecord,
): { store: ObjectStore; key: string } {
  const ref = parseRef(record.ref);
  return { store: ctx.router.forRead(ref), key: ref.key };
}

function integrityError(record: AttachmentRecord, what: string): StorageError {
  return new StorageError(
    StorageErrorCode.Integrity,
    `attachment ${record.id} (${record.ref}): ${what}`,
    { key: record.ref },
  );
}

/** The whole attachment in memory, checked against its size and checksum. */
export async function readAttachment(
  ctx: AttachmentsContext,
  id: string,
  signal?: AbortSignal,
): Promise<Buffer> {
  const record = await requireRecord(ctx, id);
  const { store, key } = storeOf(ctx, record);
  const bytes = await store.get(key, signal ? { signal } : {});
  if (bytes.length !== record.size)
    throw integrityError(
      record,
      `${bytes.length} bytes, expected ${record.size}`,
    );
  if (sha256Hex(bytes) !== record.checksum)
    throw integrityError(record, "checksum mismatch");
  return bytes;
}

/** Opens an attachment as a stream, whole (verified) or a range of it. */
export async function openAttachment(
  ctx: AttachmentsContext,
  id: string,
  options: OpenAttachmentOptions = {},
): Promise<OpenedAttachment> {
  const record = await requireRecord(ctx, id);
  const { store, key } = storeOf(ctx, record);
  const base = {
    record,
    mimetype: record.mimetype,
    name: record.name,
    etag: record.checksum,
    totalSize: record.size,
  };
  const { range, signal } = options;
  const read = signal ? { signal } : {};
  if (!range) {
    const source = await store.getStream(key, read);
    return { ...base, stream: verified(source, record), size: record.size };
  }
  const { start } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (range.end !== undefined &&
      (!Number.isSafeInteger(range.end) || range.end < start))
  ) {
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      `invalid byte range ${JSON.stringify(range)}`,
    );
  }
  if (record.size === 0 && start === 0) {
    // The whole of nothing: an empty body, verified like any other.
    const source = await store.getStream(key, read);
    return { ...base, stream: verified(source, record), size: 0 };
  }
  if (start >= record.size)
    throw new StorageError(
      StorageErrorCode.InvalidRange,
      `range starts at ${start}, the attachment has ${record.size} bytes`,
      { key: record.ref },
    );
  const end = Math.min(range.end ?? record.size - 1, record.size - 1);
  // A range is only as good as the whole object: the bytes are read from the start and
  // hashed to the end, and the range goes out only as the checksum allows (its tail held back
  // until then), so a corrupted object never serves a range as good.
  const source = await store.getStream(key, read);
  const stream = verified(source, record, { start, end });
  return { ...base, stream, size: end - start + 1, range: { start, end } };
}

function verified(
  source: Readable,
  record: AttachmentRecord,
  range?: { start: number; end: number },
): Readable {
  const verify = new VerifyingStream(record, range);
  source.once("error", (error) => verify.destroy(error));
  verify.once("close", () => {
    if (!source.destroyed) source.destroy();
  });
  return source.pipe(verify);
}

/**
 * Passes the bytes (or a range of them) through and fails when they are not the recorded
 * ones. The last chunk is held back until the checksum is known: on a mismatch the stream
 * fails before its last byte, so no client ever receives a complete wrong body (an HTTP
 * response cut short of its Content-Length).
 */
class VerifyingStream extends Transform {
  private readonly hash = createHash("sha256");
  private seen = 0;
  private held: Buffer | undefined;
  constructor(
    private readonly record: AttachmentRecord,
    private readonly range?: { start: number; end: number },
  ) {
    super();
  }
  override _transform(
    chunk: Buffer,
    _enc: BufferEncoding,
    done: TransformCallback,
  ): void {
    const offset = this.seen;
    this.seen += chunk.length;
    if (this.seen > this.record.size) {
      done(
        integrityError(
          this.record,
          `more than the recorded ${this.record.size} bytes`,
        ),
      );
      return;
    }
    this.hash.update(chunk);
    const part = this.range
      ? chunk.subarray(
          Math.max(0, this.range.start - offset),
          Math.max(0, Math.min(chunk.length, this.range.end - offset + 1)),
        )
      : chunk;
    if (part.length === 0) {
      done();
      return;
    }
    const previous = this.held;
    this.held = part;
    done(null, previous);
  }
  override _flush(done: TransformCallback): void {
    if (this.seen !== this.record.size)
      done(
        integrityError(
          this.record,
          `${this.seen} bytes, expected ${this.record.size}`,
        ),
      );
    else if (this.hash.digest("hex") !== this.record.checksum)
      done(integrityError(this.record, "checksum mismatch"));
    else done(null, this.held);
  }
}
