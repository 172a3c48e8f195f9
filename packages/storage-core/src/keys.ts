import { StorageError, StorageErrorCode } from "./errors.js";

/** Longest key accepted, in UTF-8 bytes (the S3 and Swift limit). */
export const MAX_KEY_BYTES = 1024;

// C0 controls, DEL and C1 controls: they break HTTP headers, listings and file names.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `key` is not a valid object key, or `undefined` when it is. Keys are `/`-separated
 * paths: not empty, at most {@link MAX_KEY_BYTES} bytes, no control characters, not
 * absolute, no empty, `.` or `..` segment. Unicode is allowed.
 */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== "string") return "a key must be a string";
  if (key.length === 0) return "a key must not be empty";
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES)
    return `a key must be at most ${MAX_KEY_BYTES} bytes`;
  if (CONTROL.test(key)) return "a key must not contain control characters";
  if (key.startsWith("/")) return "a key must not be an absolute path";
  if (key.includes("\\")) return "a key must not contain a backslash";
  for (const segment of key.split("/")) {
    if (segment === "")
      return "a key must not contain an empty segment (// or a trailing /)";
    if (segment === "." || segment === "..")
      return 'a key must not contain a "." or ".." segment';
  }
  if (LONE_SURROGATE.test(key)) return "a key must be well-formed unicode";
  return undefined;
}

/** Throws a `E_INVALID_KEY` {@link StorageError} unless `key` follows the key rules. */
export function assertValidKey(
  key: unknown,
  store?: string,
): asserts key is string {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    const shown =
      typeof key === "string" ? JSON.stringify(key.slice(0, 200)) : typeof key;
    throw new StorageError(
      StorageErrorCode.InvalidKey,
      `invalid key ${shown}: ${problem}`,
      {
        key: typeof key === "string" ? key : undefined,
        store,
      },
    );
  }
}

/**
 * Throws unless `prefix` is a usable listing prefix: empty, or a key-like string that may
 * end with `/`.
 */
export function assertValidPrefix(
  prefix: unknown,
  store?: string,
): asserts prefix is string {
  if (prefix === "") return;
  if (typeof prefix === "string") {
    const trimmed = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
    if (trimmed !== "" && keyProblem(trimmed) === undefined) return;
    if (trimmed === "" && prefix !== "/") return;
  }
  throw new StorageError(
    StorageErrorCode.InvalidKey,
    `invalid prefix ${JSON.stringify(prefix)}`,
    { store },
  );
}

const META_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const META_VALUE = /^[\x20-\x7e]{0,1024}$/;

/**
 * Throws `E_INVALID_ARGUMENT` unless metadata names are lower-case `[a-z0-9-]` (they travel
 * as HTTP header names) and values are printable ASCII of at most 1024 characters.
 * Encode anything else (for example with `encodeURIComponent`) before storing it.
 */
export function assertValidMetadata(
  metadata: Readonly<Record<string, string>> | undefined,
  store?: string,
): void {
  if (metadata === undefined) return;
  for (const [name, value] of Object.entries(metadata)) {
    if (
      !META_NAME.test(name) ||
      typeof value !== "string" ||
      !META_VALUE.test(value)
    ) {
      throw new StorageError(
        StorageErrorCode.InvalidArgument,
        `invalid metadata ${JSON.stringify(name)}: names are lower-case [a-z0-9-], values printable ASCII`,
        { store },
      );
    }
  }
}
