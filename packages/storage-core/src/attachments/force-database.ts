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
 * when no prefix matches (the rule does not apply), `0` for any size.
 */
export function forceDatabaseLimit(
  rule: ForceDatabaseRule,
  mimetype: string,
): number | undefined {
  let best: string | undefined;
  for (const prefix of Object.keys(rule)) {
    if (
      mimetype.startsWith(prefix) &&
      (best === undefined || prefix.length > best.length)
    )
      best = prefix;
  }
  return best === undefined ? undefined : rule[best];
}

/** Whether the rule keeps a file of this mimetype and size in the database. */
export function isForcedToDatabase(
  rule: ForceDatabaseRule,
  mimetype: string,
  size: number,
): boolean {
  const limit = forceDatabaseLimit(rule, mimetype);
  return limit !== undefined && (limit === 0 || size <= limit);
}
