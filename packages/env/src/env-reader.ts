import { FormatRule, type ConfigProblem, type Env } from "./problem.js";
import { show } from "./redact.js";
import { parseBoolean, parseDigits, parseDuration, trimmed } from "./words.js";

/** Options of {@link EnvReader.url}. */
export interface UrlReadOptions {
  /** Accepted protocols, with the colon, e.g. `["https:", "http:"]`. */
  protocols: readonly string[];
  /** Added when the value has no `scheme://` (e.g. `https://` for `AWS_HOST`). */
  defaultScheme?: string;
  /** The value may hold a password: its message never quotes it. @default false */
  secret?: boolean;
  /** What a good value looks like, for the hint. */
  example: string;
}

/**
 * Reads variables of one environment with one trim policy, recording every problem instead
 * of throwing, so a report lists them all at once. Every reader returns the fallback (or
 * `undefined`) for a bad value.
 */
export interface EnvReader {
  /** Every problem found so far, in reading order. */
  readonly problems: ConfigProblem[];
  /** Every secret read so far (and passwords of secret URLs), for {@link redact}. */
  readonly secrets: string[];
  /** A trimmed value; unset or empty gives `undefined`. */
  text(name: string): string | undefined;
  /** {@link text} that must be set; records `format.required` when it is not. */
  required(name: string, hint: string): string | undefined;
  /** A secret (never quoted); surrounding whitespace is a problem (a pasted newline). */
  secret(name: string): string | undefined;
  /** A strict boolean; unset gives `fallback`. */
  boolean(name: string, fallback: boolean): boolean;
  /** A TCP/UDP port 1–65535; unset gives `fallback`. */
  port(name: string, fallback: number): number;
  /** A whole number in `min`..`max`; unset gives `fallback`. */
  integer(name: string, fallback: number, min?: number, max?: number): number;
  /** A duration in seconds (`90`, `15m`, `24h`, `7d`), at least 1; unset gives `fallback`. */
  duration(name: string, fallback: number): number;
  /** A URL with one of the accepted protocols; unset gives `undefined`. */
  url(name: string, options: UrlReadOptions): URL | undefined;
  /** A comma-separated list, items trimmed, empty items dropped; unset gives `[]`. */
  list(name: string): string[];
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** An {@link EnvReader} over `env` (pure: pass `process.env` at the edge). */
export function createEnvReader(env: Env): EnvReader {
  const problems: ConfigProblem[] = [];
  const secrets: string[] = [];
  const problem = (p: ConfigProblem): void => {
    problems.push(p);
  };
  const text = (name: string): string | undefined => trimmed(env[name]);
  const shown = (value: string): string => show(value, secrets);
  return {
    problems,
    secrets,
    text,
    required(name, hint) {
      const value = text(name);
      if (value === undefined)
        problem({
          variable: name,
          rule: FormatRule.Required,
          message: `${name} is required.`,
          hint,
        });
      return value;
    },
    secret(name) {
      const raw = env[name];
      const value = trimmed(raw);
      if (value === undefined || raw === undefined) return undefined;
      secrets.push(value, raw);
      if (raw !== value)
        problem({
          variable: name,
          rule: FormatRule.SecretWhitespace,
          message: `${name} is set but malformed: it starts or ends with whitespace.`,
          hint: `Remove the surrounding spaces or newline from ${name} (often a trailing newline of a secret file).`,
        });
      return value;
    },
    boolean(name, fallback) {
      const value = text(name);
      if (value === undefined) return fallback;
      const parsed = parseBoolean(value);
      if (parsed !== undefined) return parsed;
      problem({
        variable: name,
        rule: FormatRule.Boolean,
        message: `${name}=${shown(value)} is not a boolean.`,
        hint: `Use 1/true/yes/on or 0/false/no/off (any case), or leave ${name} unset.`,
      });
      return fallback;
    },
    port(name, fallback) {
      const value = text(name);
      if (value === undefined) return fallback;
      const port = parseDigits(value);
      if (port !== undefined && port >= 1 && port <= 65535) return port;
      problem({
        variable: name,
        rule: FormatRule.Port,
        message: `${name}=${shown(value)} is not a TCP port.`,
        hint: `Set ${name} to an integer from 1 to 65535, or leave it unset for the default.`,
      });
      return fallback;
    },
    integer(name, fallback, min = 0, max = Number.MAX_SAFE_INTEGER) {
      const value = text(name);
      if (value === undefined) return fallback;
      const n = parseDigits(value);
      if (n !== undefined && n >= min && n <= max) return n;
      problem({
        variable: name,
        rule: FormatRule.Integer,
        message: `${name}=${shown(value)} is not a whole number from ${String(min)} to ${String(max)}.`,
        hint: `Set ${name} to a whole number from ${String(min)} to ${String(max)}, or leave it unset for the default.`,
      });
      return fallback;
    },
    duration(name, fallback) {
      const value = text(name);
      if (value === undefined) return fallback;
      const seconds = parseDuration(value);
      if (seconds !== undefined && seconds >= 1) return seconds;
      problem({
        variable: name,
        rule: FormatRule.Seconds,
        message: `${name}=${shown(value)} is not a positive number of seconds.`,
        hint: `Set ${name} to a whole number of seconds (at least 1; 15m, 24h, 7d also work), or leave it unset for the default.`,
      });
      return fallback;
    },
    url(name, options) {
      const raw = options.secret === true ? this.secret(name) : text(name);
      if (raw === undefined) return undefined;
      const withScheme =
        options.defaultScheme !== undefined && !SCHEME.test(raw)
          ? `${options.defaultScheme}${raw}`
          : raw;
      const url = parseUrl(withScheme);
      if (url && options.secret === true && url.password !== "")
        secrets.push(url.password, decodeURIComponent(url.password));
      if (url && options.protocols.includes(url.protocol)) return url;
      const wanted = options.protocols.map((p) => `${p}//`).join(" or ");
      problem({
        variable: name,
        rule: FormatRule.Url,
        message:
          options.secret === true
            ? `${name} is set but malformed: not a ${wanted} URL.`
            : `${name}=${shown(raw)} is not a ${wanted} URL.`,
        hint: `Set ${name} to a URL like ${options.example}.`,
      });
      return undefined;
    },
    list(name) {
      return (text(name) ?? "")
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
    },
  };
}
