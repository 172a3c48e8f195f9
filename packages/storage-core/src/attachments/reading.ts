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
  /** The bytes (the range when one was asked). A full read fails with `E_INTEGRITY` at the end when the bytes are not the recorded ones. */
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
  if (range) {
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
    if (start >= record.size)
      throw new StorageError(
        StorageErrorCode.InvalidRange,
        `range starts at ${start}, the attachment has ${record.size} bytes`,
        { key: record.ref },
      );
    const end = Math.min(range.end ?? record.size - 1, record.size - 1);
    const stream = await store.getStream(
      key,
      signal ? { range: { start, end }, signal } : { range: { start, end } },
    );
    return { ...base, stream, size: end - start + 1, range: { start, end } };
  }
  const source = await store.getStream(key, signal ? { signal } : {});
  const verify = new VerifyingStream(record);
  source.once("error", (error) => verify.destroy(error));
  return { ...base, stream: source.pipe(verify), size: record.size };
}

/** Passes bytes through and fails at the end when they are not the recorded ones. */
class VerifyingStream extends Transform {
  private readonly hash = createHash("sha256");
  private seen = 0;
  constructor(private readonly record: AttachmentRecord) {
    super();
  }
  override _transform(
    chunk: Buffer,
    _enc: BufferEncoding,
    done: TransformCallback,
  ): void {
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
    done(null, chunk);
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
    else done();
  }
}
