import type { IndexedRef, ListRefsOptions } from "@cloud-platform/storage-core";
import type { SqlDriver } from "./sql-driver.js";

/**
 * The settings row counting changes: every `setSetting` bumps it in the same transaction, so
 * a front-end learns of a change by reading one row.
 */
export const SETTINGS_VERSION = "cp.settings.version";

/** Sets (or, with `undefined`, removes) a setting and bumps the settings version. */
export async function setSetting(
  driver: SqlDriver,
  name: string,
  value: string | undefined,
): Promise<void> {
  const upsert =
    "INSERT INTO cp_settings (name, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
  await driver.transaction(
    async (tx) => {
      if (value === undefined)
        await tx.run("DELETE FROM cp_settings WHERE name = $1", [name]);
      else await tx.run(upsert, [name, value, Date.now()]);
      const current = await tx.all<{ value: string }>(
        "SELECT value FROM cp_settings WHERE name = $1",
        [SETTINGS_VERSION],
      );
      await tx.run(upsert, [
        SETTINGS_VERSION,
        String(Number(current[0]?.value ?? 0) + 1),
        Date.now(),
      ]);
    },
    [SETTINGS_VERSION],
  );
}

/** Distinct refs with a prefix, in byte order (the `ref` index), with ids and sizes. */
export async function listRefs(
  driver: SqlDriver,
  options: ListRefsOptions = {},
): Promise<IndexedRef[]> {
  const prefix = options.prefix ?? "";
  const limit = Math.min(Math.max(options.limit ?? 1000, 1), 10_000);
  const after = options.after ?? "";
  // A range on the ref index instead of LIKE (whose wildcards a key may contain): every ref
  // starting with the prefix sorts between the prefix and the prefix with its last character
  // raised by one.
  const start = after > prefix ? after : prefix;
  const upper =
    prefix === ""
      ? "\u{10ffff}".repeat(2)
      : prefix.slice(0, -1) +
        String.fromCodePoint((prefix.codePointAt(prefix.length - 1) ?? 0) + 1);
  const rows = await driver.all<{
    ref: string;
    id: string;
    size: number | string;
  }>(
    `SELECT ref, id, size FROM cp_attachments WHERE ref IN (
       SELECT DISTINCT ref FROM cp_attachments WHERE ref ${after > prefix ? ">" : ">="} $1 AND ref < $2 ORDER BY ref LIMIT $3
     ) ORDER BY ref, id`,
    [start, upper, limit],
  );
  const refs: IndexedRef[] = [];
  for (const row of rows) {
    let last = refs.at(-1);
    if (last?.ref !== row.ref) {
      last = { ref: row.ref, ids: [], sizes: [] };
      refs.push(last);
    }
    last.ids.push(row.id);
    const size = Number(row.size);
    if (!last.sizes.includes(size)) last.sizes.push(size);
  }
  return refs.filter((r) => r.ref.startsWith(prefix));
}
