import { StorageError, StorageErrorCode } from "../errors.js";

/**
 * The force-DB rule: mimetype prefix → largest size in bytes kept in the database
 * (0 = any size). Small images and web assets stay in the database even when the location is
 * an object store, because an object-store read costs 100+ ms.
 */
export type ForceDatabaseRule = Readonly<Record<string, number>>;

/** The default rule: images up to 50 KiB, every JavaScript and CSS file. */
export const DEFAULT_FORCE_DATABASE: ForceDatabaseRule = Object.freeze({
  "image/": 51200,
  "application/javascript": 0,
  "text/css": 0,
});

/**
 * The most bytes the force-DB rule ever keeps in the database, whatever the rule says: its
 * `0` ("any size") and any larger limit mean this many bytes. A client declaring
 * `text/css` must not be able to fill the database with a multi-gigabyte upload.
 * Configurable (`forceDatabaseCeiling` option, `attachment.forceDatabaseCeiling` setting).
 */
export const DEFAULT_FORCE_DATABASE_CEILING = 4 * 1024 * 1024;

/**
 * Checks a rule (as read from the `attachment.forceDatabase` setting, a JSON object).
 *
 * @throws StorageError `E_INVALID_ARGUMENT` unless it is an object of non-negative integers.
 */
export function parseForceDatabaseRule(value: unknown): ForceDatabaseRule {
  const parsed: unknown = typeof value === "string" ? safeJson(value) : value;
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      'attachment.forceDatabase must be a JSON object {"mimetype/prefix": maxBytes}',
    );
  }
  const rule: Record<string, number> = {};
  for (const [prefix, max] of Object.entries(parsed)) {
    if (typeof max !== "number" || !Number.isSafeInteger(max) || max < 0) {
      throw new StorageError(
        StorageErrorCode.InvalidArgument,
        `attachment.forceDatabase: "${prefix}" must map to a non-negative integer (0 = any size)`,
      );
    }
    rule[prefix] = max;
  }
  return Object.freeze(rule);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The size limit the rule gives `mimetype`: the longest matching prefix wins; `undefined`
 * when no prefix matches (the rule does not apply). `0` ("any size") and larger limits are
 * capped at `ceiling`.
 */
export function forceDatabaseLimit(
  rule: ForceDatabaseRule,
  mimetype: string,
  ceiling: number = DEFAULT_FORCE_DATABASE_CEILING,
): number | undefined {
  let best: string | undefined;
  for (const prefix of Object.keys(rule)) {
    if (
      mimetype.startsWith(prefix) &&
      (best === undefined || prefix.length > best.length)
    )
      best = prefix;
  }
  const limit = best === undefined ? undefined : rule[best];
  if (limit === undefined) return undefined;
  return limit === 0 ? ceiling : Math.min(limit, ceiling);
}

/** Whether the rule keeps a file of this mimetype and size in the database. */
export function isForcedToDatabase(
  rule: ForceDatabaseRule,
  mimetype: string,
  size: number,
  ceiling: number = DEFAULT_FORCE_DATABASE_CEILING,
): boolean {
  const limit = forceDatabaseLimit(rule, mimetype, ceiling);
  return limit !== undefined && size <= limit;
}

/**
 * Checks a ceiling (option or setting).
 *
 * @throws StorageError `E_INVALID_ARGUMENT` unless it is a non-negative integer.
 */
export function parseForceDatabaseCeiling(value: unknown): number {
  const parsed =
    typeof value === "string" && /^\d{1,15}$/.test(value.trim())
      ? Number(value)
      : value;
  if (typeof parsed !== "number" || !Number.isSafeInteger(parsed) || parsed < 0)
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      "attachment.forceDatabaseCeiling must be a whole number of bytes",
    );
  return parsed;
}
