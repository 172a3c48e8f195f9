import type { AttachmentRecord } from "@cloud-platform/storage-core";

/** What the API shows of an attachment. */
export function attachmentView(
  record: AttachmentRecord,
): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    mimetype: record.mimetype,
    size: record.size,
    checksum: record.checksum,
    location: record.ref.split(":")[0],
    createdAt: record.createdAt.toISOString(),
  };
}
