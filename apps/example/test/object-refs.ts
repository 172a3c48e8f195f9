import { createObjectStorage } from "@cloud-platform/platform";
import { parseRef, type AttachmentRecord } from "@cloud-platform/storage-core";
import { openIndex } from "@cloud-platform/storage-sql";
import type { Kind } from "./services.js";

/** Every record of the index database, read straight from it (not through an instance). */
export async function listRecords(
  databaseUrl: string,
): Promise<AttachmentRecord[]> {
  const index = await openIndex(databaseUrl);
  try {
    const records: AttachmentRecord[] = [];
    for (;;) {
      const after = records.at(-1)?.id;
      const page = await index.list(
        after === undefined ? { limit: 500 } : { after, limit: 500 },
      );
      if (page.length === 0) return records;
      records.push(...page);
    }
  } finally {
    await index.close();
  }
}

/** Where a ref points: `file`, `db`, or `s3://<bucket>` / `swift://<container>` (as `stats()` names it). */
export function locationOf(ref: string): string {
  const parsed = parseRef(ref);
  return parsed.container === undefined
    ? parsed.scheme
    : `${parsed.scheme}://${parsed.container}`;
}

/**
 * The refs among `records` whose object is missing from the object store of `kind`
 * (opened from the same variables as the app). Refs of another scheme are reported too.
 */
export async function refsWithoutObject(
  kind: Kind,
  env: Record<string, string>,
  dbName: string,
  records: readonly AttachmentRecord[],
): Promise<string[]> {
  const storage = createObjectStorage(kind, env, { dbName });
  const scheme = kind === "exoscale" ? "s3" : "swift";
  try {
    const missing: string[] = [];
    for (const record of records) {
      const ref = parseRef(record.ref);
      if (ref.scheme !== scheme || ref.container === undefined) {
        missing.push(record.ref);
        continue;
      }
      const store = storage.stores.open?.(ref.container);
      if (!store || !(await store.exists(ref.key))) missing.push(record.ref);
    }
    return missing;
  } finally {
    await storage.close();
  }
}
