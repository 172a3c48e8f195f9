import {
  StorageError,
  StorageErrorCode,
  parseRef,
  refLocation,
  type AttachmentRecord,
  type NewAttachmentRecord,
} from "@cloud-platform/storage-core";

/** A row of `cp_attachments` as either driver returns it (PostgreSQL BIGINTs come as strings). */
export interface AttachmentRow {
  id: string;
  name: string;
  mimetype: string;
  size: number | string;
  checksum: string;
  ref: string;
  location: string;
  created_at: number | string;
}

/** Maps a row to a record. */
export function toRecord(row: AttachmentRow): AttachmentRecord {
  return {
    id: row.id,
    name: row.name,
    mimetype: row.mimetype,
    size: Number(row.size),
    checksum: row.checksum,
    ref: row.ref,
    createdAt: new Date(Number(row.created_at)),
  };
}

const CHECKSUM = /^[0-9a-f]{64}$/;
const ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Checks a record before it is written and gives its location column.
 *
 * @throws StorageError `E_INVALID_ARGUMENT` for a malformed id, size, checksum or ref.
 */
export function checkRecord(record: NewAttachmentRecord): string {
  const bad = (what: string): StorageError =>
    new StorageError(
      StorageErrorCode.InvalidArgument,
      `invalid attachment record: ${what}`,
    );
  if (typeof record.id !== "string" || !ID.test(record.id))
    throw bad("id must be 1-128 characters [A-Za-z0-9_-]");
  if (!Number.isSafeInteger(record.size) || record.size < 0)
    throw bad("size must be a non-negative integer");
  if (typeof record.checksum !== "string" || !CHECKSUM.test(record.checksum))
    throw bad("checksum must be a lower-case SHA-256 hex");
  if (typeof record.name !== "string" || typeof record.mimetype !== "string")
    throw bad("name and mimetype must be strings");
  return locationOf(record.ref);
}

/** The location column of a ref. @throws StorageError `E_INVALID_ARGUMENT` */
export function locationOf(ref: string): string {
  return refLocation(parseRef(ref));
}

/** `$from, $from+1, …` placeholders for a list. */
export function placeholders(count: number, from: number): string {
  return Array.from({ length: count }, (_, i) => `$${from + i}`).join(", ");
}
