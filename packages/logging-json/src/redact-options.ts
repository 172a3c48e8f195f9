import { LoggingError, LoggingErrorCode } from "./errors.js";

/**
 * Field names redacted by default, whatever their depth: the credential-carrying HTTP
 * headers by exact name, and any name that looks like a password, a secret, a token, an API
 * or access or private key, a credential or a signature (case-insensitive).
 */
export const defaultRedactKeys: readonly RegExp[] = [
  /^(authorization|proxy-authorization|cookie|set-cookie)$/i,
  /passw(or)?d|passphrase|^pwd$|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|signature/i,
];

/** How values are redacted and bounded before they are written. */
export interface RedactOptions {
  /**
   * More field names to redact: a string matches a name exactly (any case), a RegExp is
   * tested against the name.
   * @default []
   */
  keys?: readonly (string | RegExp)[];
  /**
   * Use only `keys`, without {@link defaultRedactKeys}.
   * @default false
   */
  replaceDefaultKeys?: boolean;
  /**
   * What replaces a redacted value.
   * @default '[REDACTED]'
   */
  censor?: string;
  /**
   * Longer strings are cut, with a `…[truncated N chars]` marker.
   * @default 10000
   */
  maxStringLength?: number;
  /**
   * Longer arrays keep their first items and end with a `[… N more items]` marker.
   * @default 100
   */
  maxArrayLength?: number;
  /**
   * Objects with more keys keep the first ones and get a `…` key saying how many were left.
   * @default 200
   */
  maxObjectKeys?: number;
  /**
   * Objects nested deeper are written as `[Object]` / `[Array]`.
   * @default 8
   */
  maxDepth?: number;
}

/** {@link RedactOptions} with every default applied. */
export interface ResolvedRedactOptions {
  readonly keys: readonly (string | RegExp)[];
  readonly censor: string;
  readonly maxStringLength: number;
  readonly maxArrayLength: number;
  readonly maxObjectKeys: number;
  readonly maxDepth: number;
}

/**
 * Applies the defaults. `false` turns name- and query-based redaction off but keeps the
 * bounds (circular and huge values stay safe).
 *
 * @throws {LoggingError} `E_INVALID_OPTION` when a bound is not a positive integer.
 */
export function resolveRedactOptions(
  options: RedactOptions | false | undefined,
): ResolvedRedactOptions {
  const given = options === false ? {} : (options ?? {});
  const extra = given.keys ?? [];
  const keys =
    options === false
      ? []
      : given.replaceDefaultKeys === true
        ? extra
        : [...defaultRedactKeys, ...extra];
  return {
    keys,
    censor: given.censor ?? "[REDACTED]",
    maxStringLength: bound("maxStringLength", given.maxStringLength, 10_000),
    maxArrayLength: bound("maxArrayLength", given.maxArrayLength, 100),
    maxObjectKeys: bound("maxObjectKeys", given.maxObjectKeys, 200),
    maxDepth: bound("maxDepth", given.maxDepth, 8),
  };
}

function bound(
  name: string,
  value: number | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (Number.isSafeInteger(value) && value > 0) return value;
  throw new LoggingError(
    LoggingErrorCode.InvalidOption,
    `redact.${name}`,
    `redact.${name} must be a positive integer`,
  );
}
