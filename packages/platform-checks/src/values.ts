import type { PlatformEnv } from "./report.js";

const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS = new Set(["0", "false", "no", "off"]);

/** The variable's value; an empty string counts as unset (the default applies). */
export function readVar(env: PlatformEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Strict boolean: `1/true/yes/on` and `0/false/no/off` in any case; anything else gives
 * `undefined` (a configuration error, never "non-empty means true").
 */
export function parseStrictBoolean(value: string): boolean | undefined {
  const word = value.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** True only when the variable holds a strict true word; unset and malformed are off. */
export function isOn(env: PlatformEnv, name: string): boolean {
  const value = readVar(env, name);
  return value !== undefined && parseStrictBoolean(value) === true;
}

/** A decimal integer made of digits only (no sign, no exponent, no spaces). */
export function parseDigits(value: string): number | undefined {
  return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/**
 * A non-secret value, quoted and shortened for a message (an operator may paste anything,
 * so the length is bounded).
 */
export function show(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(cut);
}

/** Escapes a string for literal use inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
