import { createHash } from "node:crypto";
import { StorageError, StorageErrorCode } from "../errors.js";
import type { AttachmentRecord } from "./attachment-index.js";
import { uniqueKey, uuidv7 } from "./content.js";
import { placement, type AttachmentsContext } from "./context.js";
import { parseRef } from "./refs.js";
import type { AttachmentLocation } from "./store-router.js";

/** What {@link createUpload} receives: what the browser declares it will send. */
export interface CreateUploadInput {
  name: string;
  mimetype: string;
  /** Exact size in bytes. */
  size: number;
  /** SHA-256 (hex) the bytes must have; without it the read-back checksum is recorded. */
  checksum?: string;
  /** Lifetime of the signed URL, in seconds. @default 900 */
  expiresIn?: number;
}

/** Where and how the browser sends the bytes, or why it must send them through the app. */
export type UploadOffer =
  | {
      direct: true;
      /** The attachment id it will have once {@link completeUpload} verified it. */
      id: string;
      method: "PUT";
      url: string;
      /** Headers the PUT must carry (the content type is signed in on S3). */
      headers: Record<string, string>;
      expiresAt: Date;
    }
  | { direct: false; reason: string };

/** A reserved upload, kept in the index's settings (`upload.pending.<id>`): never listed. */
interface PendingUpload {
  name: string;
  mimetype: string;
  size: number;
  checksum?: string;
  ref: string;
  expiresAt: string;
}

const PREFIX = "upload.pending.";
/** A PUT that started just before expiry may still be arriving: collect a little later. */
const GRACE_MS = 60_000;

function invalid(message: string): StorageError {
  return new StorageError(StorageErrorCode.InvalidArgument, message);
}

function checkDeclared(input: CreateUploadInput): void {
  if (!Number.isSafeInteger(input.size) || input.size < 0)
    throw invalid("size must be a whole number of bytes");
  if (input.checksum !== undefined && !/^[0-9a-f]{64}$/.test(input.checksum))
    throw invalid("checksum must be a SHA-256 in lower-case hex");
  const expiresIn = input.expiresIn ?? 900;
  if (!Number.isSafeInteger(expiresIn) || expiresIn < 1 || expiresIn > 86_400)
    throw invalid("expiresIn must be 1 to 86400 seconds");
}

function objectLocation(location: AttachmentLocation): boolean {
  return location === "s3" || location === "swift";
}

/**
 * Reserves an attachment and signs a PUT for it, or answers "through the app" where the
 * bytes must not go to the bucket (location file|db, the kill switch, the force-DB rule) or
 * the store cannot sign. `meta` is the create-time validation of name and mimetype.
 */
export async function createUpload(
  ctx: AttachmentsContext,
  input: CreateUploadInput,
  meta: { name: string; mimetype: string },
): Promise<UploadOffer> {
  checkDeclared(input);
  const settings = await ctx.settings();
  const where = placement(
    settings,
    ctx.disableObjectStorage,
    meta.mimetype,
    input.size,
  );
  if (!objectLocation(where))
    return {
      direct: false,
      reason: ctx.disableObjectStorage
        ? "object storage is disabled: the file goes to the database"
        : objectLocation(settings.location)
          ? "the force-DB rule keeps this file in the database"
          : `the location is ${settings.location}`,
    };
  const target = ctx.router.writeTarget(where);
  const store = target.store;
  if (!store.signedUrl)
    return { direct: false, reason: `the ${where} store cannot sign URLs` };
  const id = uuidv7();
  const key = uniqueKey();
  const expiresIn = input.expiresIn ?? 900;
  const expiresAt = new Date(Date.now() + expiresIn * 1000);
  const pending: PendingUpload = {
    ...meta,
    size: input.size,
    ...(input.checksum === undefined ? {} : { checksum: input.checksum }),
    ref: target.ref(key),
    expiresAt: expiresAt.toISOString(),
  };
  // Recorded before the URL exists: an object that arrives is always one we can collect.
  await ctx.index.setSetting(PREFIX + id, JSON.stringify(pending));
  const url = await store.signedUrl(key, {
    method: "PUT",
    expiresIn,
    contentType: meta.mimetype,
    contentLength: input.size,
  });
  return {
    direct: true,
    id,
    method: "PUT",
    url,
    headers: { ...store.signedPutHeaders, "content-type": meta.mimetype },
    expiresAt,
  };
}

async function readPending(
  ctx: AttachmentsContext,
  id: string,
): Promise<PendingUpload> {
  const raw = /^[0-9a-f-]{36}$/.test(id)
    ? await ctx.index.getSetting(PREFIX + id)
    : undefined;
  if (raw === undefined)
    throw new StorageError(
      StorageErrorCode.NotFound,
      `no pending upload ${id.slice(0, 40)}`,
    );
  return JSON.parse(raw) as PendingUpload;
}

async function discard(
  ctx: AttachmentsContext,
  id: string,
  pending: PendingUpload,
): Promise<void> {
  const ref = parseRef(pending.ref);
  await ctx.router
    .forRead(ref)
    .delete(ref.key)
    .catch(() => undefined);
  await ctx.index.setSetting(PREFIX + id, undefined);
}

/** Why the bytes in the bucket are not what was declared, or undefined when they are. */
async function mismatch(
  ctx: AttachmentsContext,
  pending: PendingUpload,
): Promise<{ problem?: string; checksum: string }> {
  const ref = parseRef(pending.ref);
  const store = ctx.router.forRead(ref);
  const info = await store.head(ref.key).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === StorageErrorCode.NotFound)
      return undefined;
    throw error;
  });
  if (!info) return { problem: "no object was uploaded", checksum: "" };
  if (info.size !== pending.size)
    return {
      problem: `the object is ${info.size} bytes, ${pending.size} were declared`,
      checksum: "",
    };
  const type = info.contentType.split(";")[0]?.trim().toLowerCase();
  if (type !== pending.mimetype.split(";")[0]?.trim())
    return {
      problem: `the object's content type is ${JSON.stringify(info.contentType)}, ${pending.mimetype} was declared`,
      checksum: "",
    };
  // Neither S3's s3api on the local Swift nor Swift itself verifies a SHA-256 at upload
  // time: read the object back, streamed, and hash it.
  const hash = createHash("sha256");
  for await (const chunk of await store.getStream(ref.key))
    hash.update(chunk as Buffer);
  const checksum = hash.digest("hex");
  if (pending.checksum !== undefined && checksum !== pending.checksum)
    return {
      problem: "the object's SHA-256 is not the declared checksum",
      checksum,
    };
  return { checksum };
}

/**
 * Verifies the uploaded object (exists, declared size, declared content type, SHA-256) and
 * only then records the attachment. A mismatch deletes the object and the reservation.
 *
 * @throws StorageError `E_NOT_FOUND` (no such pending upload, or it expired),
 *   `E_INVALID_ARGUMENT` (the object is missing or differs from what was declared; it is
 *   deleted).
 */
export async function completeUpload(
  ctx: AttachmentsContext,
  id: string,
): Promise<AttachmentRecord> {
  const pending = await readPending(ctx, id);
  if (Date.parse(pending.expiresAt) + GRACE_MS < Date.now()) {
    await discard(ctx, id, pending);
    throw new StorageError(StorageErrorCode.NotFound, `upload ${id} expired`);
  }
  const { problem, checksum } = await mismatch(ctx, pending);
  if (problem !== undefined) {
    await discard(ctx, id, pending);
    throw invalid(`upload refused: ${problem}; nothing was kept`);
  }
  const record = await ctx.index.insert({
    id,
    name: pending.name,
    mimetype: pending.mimetype,
    size: pending.size,
    checksum,
    ref: pending.ref,
  });
  await ctx.index.setSetting(PREFIX + id, undefined);
  return record;
}

/** Options of {@link downloadUrl}. */
export interface DownloadUrlOptions {
  /** Lifetime of the URL, in seconds. @default 300 */
  expiresIn?: number;
  /** Content-Disposition the store answers with (S3); Swift names the file from `fileName`. */
  contentDisposition?: string;
  /** @default the attachment's name */
  fileName?: string;
}

/**
 * A short-lived signed GET for the attachment's bytes in the object store, or `undefined`
 * where there is none to give: bytes in the database or the filestore, a store that cannot
 * sign, a Swift container without a TempURL key. The caller then streams as usual.
 * The URL bypasses the read path's checksum check: the bytes come from the store as they are.
 *
 * @throws StorageError `E_NOT_FOUND` (no such attachment)
 */
export async function downloadUrl(
  ctx: AttachmentsContext,
  record: AttachmentRecord,
  options: DownloadUrlOptions = {},
): Promise<string | undefined> {
  const ref = parseRef(record.ref);
  if (ref.scheme !== "s3" && ref.scheme !== "swift") return undefined;
  const store = ctx.router.forRead(ref);
  if (!store.signedUrl) return undefined;
  try {
    return await store.signedUrl(ref.key, {
      method: "GET",
      expiresIn: options.expiresIn ?? 300,
      contentType: record.mimetype,
      fileName: options.fileName ?? record.name,
      ...(options.contentDisposition === undefined
        ? {}
        : { contentDisposition: options.contentDisposition }),
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === StorageErrorCode.NotConfigured)
      return undefined;
    throw error;
  }
}

/** Gives up a pending upload: its object (if any) and its reservation go. */
export async function cancelUpload(
  ctx: AttachmentsContext,
  id: string,
): Promise<boolean> {
  const pending = await readPending(ctx, id).catch(() => undefined);
  if (!pending) return false;
  await discard(ctx, id, pending);
  return true;
}

/** Deletes the reservations (and objects) of uploads past their expiry; returns how many. */
export async function collectExpiredUploads(
  ctx: AttachmentsContext,
  now = Date.now(),
): Promise<number> {
  let collected = 0;
  for (const [name, raw] of Object.entries(await ctx.index.settings())) {
    if (!name.startsWith(PREFIX)) continue;
    const pending = JSON.parse(raw) as PendingUpload;
    if (Date.parse(pending.expiresAt) + GRACE_MS >= now) continue;
    await discard(ctx, name.slice(PREFIX.length), pending);
    collected++;
  }
  return collected;
}
