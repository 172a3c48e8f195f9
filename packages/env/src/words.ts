const TRUE_WORDS: ReadonlySet<string> = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS: ReadonlySet<string> = new Set(["0", "false", "no", "off"]);

/**
 * The one trim policy: surrounding whitespace is dropped, and a value that is empty after
 * that counts as unset (the default applies).
 */
export function trimmed(value: string | undefined): string | undefined {
  const out = value?.trim();
  return out === undefined || out === "" ? undefined : out;
}

/**
 * Strict boolean: `1/true/yes/on` and `0/false/no/off` in any case, surrounding whitespace
 * ignored; anything else gives `undefined` (never "non-empty means true").
 */
export function parseBoolean(value: string): boolean | undefined {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** A decimal integer made of digits only (no sign, no exponent), or `undefined`. */
export function parseDigits(value: string): number | undefined {
  const text = value.trim();
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/** Seconds from `90`, `90s`, `15m`, `24h` or `7d`, or `undefined`. */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d{1,12})\s*([smhd]?)$/.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const unit = UNITS[match[2] ?? ""];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}
