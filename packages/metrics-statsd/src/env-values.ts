import type { MetricsConfigProblem } from "./errors.js";

/** The environment as `process.env` shapes it; libraries never read `process.env` themselves. */
export type Env = Readonly<Record<string, string | undefined>>;

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

/**
 * Reads a strict boolean: `1/true/yes/on` and `0/false/no/off` in any case; unset or empty
 * is `fallback`; anything else is recorded as a problem (never "non-empty means true").
 */
export function readBoolean(
  env: Env,
  variable: string,
  fallback: boolean,
  problems: MetricsConfigProblem[],
): boolean {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = raw.toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  problems.push({
    variable,
    rule: `must be a boolean, got "${raw}"`,
    hint: "use 1/true/yes/on or 0/false/no/off",
  });
  return fallback;
}

/** Reads a trimmed string; unset or empty gives `undefined`. */
export function readString(env: Env, variable: string): string | undefined {
  const raw = env[variable]?.trim();
  return raw === undefined || raw === "" ? undefined : raw;
}

/** Reads a TCP/UDP port (1..65535); unset gives `fallback`; anything else is a problem. */
export function readPort(
  env: Env,
  variable: string,
  fallback: number,
  problems: MetricsConfigProblem[],
): number {
  const raw = readString(env, variable);
  if (raw === undefined) return fallback;
  const port = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return port;
  problems.push({
    variable,
    rule: `must be a port number (1-65535), got "${raw}"`,
    hint: "e.g. 8125",
  });
  return fallback;
}
