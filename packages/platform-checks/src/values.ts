import { parseBoolean, trimmed } from "@cloud-platform/env";
import type { PlatformEnv } from "./report.js";

/**
 * The variable's value with the packages' trim policy (the same reader): surrounding
 * whitespace dropped, empty counts as unset (the default applies).
 */
export function readVar(env: PlatformEnv, name: string): string | undefined {
  return trimmed(env[name]);
}

/**
 * Strict boolean: `1/true/yes/on` and `0/false/no/off` in any case; anything else gives
 * `undefined` (a configuration error, never "non-empty means true").
 */
export function parseStrictBoolean(value: string): boolean | undefined {
  return parseBoolean(value);
}

/** True only when the variable holds a strict true word; unset and malformed are off. */
export function isOn(env: PlatformEnv, name: string): boolean {
  const value = readVar(env, name);
  return value !== undefined && parseStrictBoolean(value) === true;
}

/** Escapes a string for literal use inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
