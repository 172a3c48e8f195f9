import { Readable, pipeline } from "node:stream";
import { StorageError, StorageErrorCode, isStorageError } from "../errors.js";
import type { PutBody } from "../object-store.js";
import type { AttachmentRecord } from "./attachment-index.js";
import {
  HashingStream,
  contentKey,
  peekBytes,
  sha256Hex,
  uniqueKey,
  uuidv7,
} from "./content.js";
import { placement, type AttachmentsContext } from "./context.js";
import { forceDatabaseLimit } from "./force-database.js";

/** What {@link Attachments.create} receives. */
export interface CreateAttachmentInput {
  /** File name shown to users (any Unicode, at most 1024 characters). */
  name: string;
  /** @default 'application/octet-stream' */
  mimetype?: string;
  /** The bytes: in memory (stored content-addressed) or a stream (stored under a unique key). */
  body: PutBody;
  /** Expected size: a body of another length is rejected with `E_INTEGRITY`, nothing stored. */
  size?: number;
  /** Largest body accepted (`E_TOO_LARGE`). */
  maxSize?: number;
  signal?: AbortSignal;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A lone surrogate cannot be encoded for a Content-Disposition header (nor stored as UTF-8).
const LONE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// type/subtype, then parameters in printable ASCII only: the value goes into a
// Content-Type header, where CR, LF, other controls and non-Latin-1 text make Node throw.
const MIMETYPE =
  /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*( *;[\x20-\x7e]*)?$/i;

export function checkInput(
  input: Pick<CreateAttachmentInput, "name" | "mimetype">,
): {
  name: string;
  mimetype: string;
} {
  const { name } = input;
  const mimetype = input.mimetype ?? "application/octet-stream";
  if (
    typeof name !== "string" ||
    name.length === 0 ||
    name.length > 1024 ||
    CONTROL.test(name) ||
    LONE_SURROGATE.test(name)
  ) {
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      "an attachment name must be 1 to 1024 characters of well-formed Unicode, without control characters",
    );
  }
  if (
    typeof mimetype !== "string" ||
    mimetype.length > 255 ||
    !MIMETYPE.test(mimetype)
  ) {
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      `invalid mimetype ${typeof mimetype === "string" ? JSON.stringify(mimetype.slice(0, 100)) : typeof mimetype}: expected type/subtype with optional parameters, in printable ASCII (no CR, LF or other control characters)`,
    );
  }
  return { name, mimetype: mimetype.toLowerCase() };
}

function asBuffer(body: PutBody): Buffer | undefined {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

/** Creates an attachment: stores the bytes where they belong, then commits the record. */
export async function createAttachment(
  ctx: AttachmentsContext,
  input: CreateAttachmentInput,
): Promise<AttachmentRecord> {
  const meta = checkInput(input);
  const buffer = asBuffer(input.body);
  if (buffer) return createFromBuffer(ctx, input, meta, buffer);
  const settings = await ctx.settings();
  const limit = forceDatabaseLimit(
    settings.forceDatabase,
    meta.mimetype,
    settings.forceDatabaseCeiling,
  );
  let body = input.body as AsyncIterable<Uint8Array>;
  if (
    limit !== undefined &&
    limit > 0 &&
    placement(settings, ctx.disableObjectStorage, meta.mimetype, 0) === "db" &&
    input.size === undefined
  ) {
    // Small enough for the force-DB rule? Only reading up to the limit tells.
    const peeked = await peekBytes(body, limit);
    if (peeked.ended) return createFromBuffer(ctx, input, meta, peeked.head);
    body = peeked.body;
  }
  return createFromStream(ctx, input, meta, body);
}

async function createFromBuffer(
  ctx: AttachmentsContext,
  input: CreateAttachmentInput,
  meta: { name: string; mimetype: string },
  bytes: Buffer,
): Promise<AttachmentRecord> {
  if (input.size !== undefined && input.size !== bytes.length) {
    throw new StorageError(
      StorageErrorCode.Integrity,
      `body is ${bytes.length} bytes, expected ${input.size}`,
    );
  }
  if (input.maxSize !== undefined && bytes.length > input.maxSize) {
    throw new StorageError(
      StorageErrorCode.TooLarge,
      `body is ${bytes.length} bytes, over the limit of ${input.maxSize}`,
    );
  }
  const settings = await ctx.settings();
  const target = ctx.router.writeTarget(
    placement(settings, ctx.disableObjectStorage, meta.mimetype, bytes.length),
  );
  const checksum = sha256Hex(bytes);
  const record = { id: uuidv7(), ...meta, size: bytes.length, checksum };
  const put = (key: string): Promise<unknown> =>
    target.store.put(key, bytes, {
      contentType: meta.mimetype,
      size: bytes.length,
    });
  // A collection of the last other user of these bytes may delete them between our look
  // and our insert. The epoch, read before the look, tells the insert whether a collection
  // ended meanwhile (it refuses when the bytes have no other user then, and while one is
  // under way); then we look again, and the last try goes to a fresh key, which nothing else
  // can collect. No store call happens inside the insert's transaction, and no row ever
  // points at missing bytes.
  const key = contentKey(checksum);
  const ref = target.ref(key);
  for (let attempt = 1; attempt < 3; attempt++) {
    const seenEpoch = await ctx.index.collectionEpoch(ref);
    if (!(await target.store.exists(key))) await put(key);
    try {
      return await ctx.index.insert({ ...record, ref }, { seenEpoch });
    } catch (error) {
      if (!isStorageError(error)) throw error;
      if (error.code !== StorageErrorCode.NotFound) throw error;
    }
  }
  const fresh = uniqueKey();
  await put(fresh);
  try {
    return await ctx.index.insert({ ...record, ref: target.ref(fresh) });
  } catch (error) {
    await target.store.delete(fresh).catch(() => undefined);
    throw error;
  }
}

async function createFromStream(
  ctx: AttachmentsContext,
  input: CreateAttachmentInput,
  meta: { name: string; mimetype: string },
  body: AsyncIterable<Uint8Array>,
): Promise<AttachmentRecord> {
  const settings = await ctx.settings();
  const hint = input.size ?? Number.MAX_SAFE_INTEGER;
  const target = ctx.router.writeTarget(
    placement(settings, ctx.disableObjectStorage, meta.mimetype, hint),
  );
  const key = uniqueKey();
  const hashing = new HashingStream();
  const source =
    body instanceof Readable
      ? body
      : Readable.from(body, { objectMode: false });
  const piped = pipeline(source, hashing, () => undefined);
  const options = { contentType: meta.mimetype, ...pick(input) };
  await target.store.put(key, piped, options);
  const record = {
    id: uuidv7(),
    ...meta,
    size: hashing.size,
    checksum: hashing.digest(),
    ref: target.ref(key),
  };
  try {
    return await ctx.index.insert(record);
  } catch (error) {
    await target.store.delete(key).catch(() => undefined);
    throw error;
  }
}

function pick(input: CreateAttachmentInput): {
  size?: number;
  maxSize?: number;
  signal?: AbortSignal;
} {
  const out: { size?: number; maxSize?: number; signal?: AbortSignal } = {};
  if (input.size !== undefined) out.size = input.size;
  if (input.maxSize !== undefined) out.maxSize = input.maxSize;
  if (input.signal !== undefined) out.signal = input.signal;
  return out;
}
