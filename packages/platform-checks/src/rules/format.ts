import { parseDigits, type ConfigProblem, type Env } from "@cloud-platform/env";
import { PlatformRule } from "../rules.js";
import { SECRET_VARIABLES } from "../secrets.js";
import { parseStrictBoolean, readVar } from "../values.js";

/** Every boolean variable of the operator contract. */
export const BOOLEAN_VARIABLES: readonly string[] = [
  "ODOO_CLOUD_PLATFORM_UNSAFE",
  "AWS_BUCKETNAME_UNSTRUCTURED",
  "SWIFT_WRITE_CONTAINER_UNSTRUCTURED",
  "DISABLE_ATTACHMENT_STORAGE",
  "ODOO_SESSION_REDIS",
  "ODOO_LOGGING_JSON",
  "ODOO_STATSD",
  "ODOO_PROMETHEUS",
];

const PORT_VARIABLES = [
  "ODOO_SESSION_REDIS_PORT",
  "ODOO_SESSION_REDIS_SENTINEL_PORT",
  "STATSD_PORT",
];
const SECONDS_VARIABLES = [
  "ODOO_SESSION_REDIS_EXPIRATION",
  "ODOO_SESSION_REDIS_EXPIRATION_ANONYMOUS",
];

/** Quotes a non-secret value for a message (redacted, then cut). */
export type ShowFn = (value: string) => string;

/** Booleans must be strict words; "maybe" is an error, never "non-empty means true". */
function booleanProblems(env: Env, show: ShowFn): ConfigProblem[] {
  const found: ConfigProblem[] = [];
  for (const name of BOOLEAN_VARIABLES) {
    const value = readVar(env, name);
    if (value === undefined || parseStrictBoolean(value) !== undefined)
      continue;
    found.push({
      rule: PlatformRule.FormatBoolean,
      variable: name,
      message: `${name}=${show(value)} is not a boolean.`,
      hint: `Use 1/true/yes/on or 0/false/no/off (any case), or leave ${name} unset.`,
    });
  }
  return found;
}

/** Ports and durations must be plain integers in range. */
function numberProblems(env: Env, show: ShowFn): ConfigProblem[] {
  const found: ConfigProblem[] = [];
  for (const name of PORT_VARIABLES) {
    const value = readVar(env, name);
    if (value === undefined) continue;
    const port = parseDigits(value);
    if (port !== undefined && port >= 1 && port <= 65535) continue;
    found.push({
      rule: PlatformRule.FormatPort,
      variable: name,
      message: `${name}=${show(value)} is not a TCP port.`,
      hint: `Set ${name} to an integer from 1 to 65535, or leave it unset for the default.`,
    });
  }
  for (const name of SECONDS_VARIABLES) {
    const value = readVar(env, name);
    if (value === undefined) continue;
    const seconds = parseDigits(value);
    if (seconds !== undefined && seconds >= 1) continue;
    found.push({
      rule: PlatformRule.FormatSeconds,
      variable: name,
      message: `${name}=${show(value)} is not a positive number of seconds.`,
      hint: `Set ${name} to a whole number of seconds (at least 1), or leave it unset for the default.`,
    });
  }
  return found;
}

/** A secret with a leading or trailing space or newline is a paste accident. */
function secretWhitespaceProblems(env: Env): ConfigProblem[] {
  const found: ConfigProblem[] = [];
  for (const name of SECRET_VARIABLES) {
    // The raw value: readVar trims, and the whitespace is what this rule looks for.
    const value = env[name];
    if (value === undefined || value.trim() === "" || value === value.trim())
      continue;
    found.push({
      rule: PlatformRule.FormatSecretWhitespace,
      variable: name,
      message: `${name} is set but malformed: it starts or ends with whitespace.`,
      hint: `Remove the surrounding spaces or newline from ${name} (often a trailing newline of a secret file).`,
    });
  }
  return found;
}

/**
 * Every malformed value, in report order (booleans, numbers, then what `urlProblems` finds,
 * then secrets with whitespace): found once, while the environment is parsed.
 */
export function formatProblems(
  env: Env,
  show: ShowFn,
  urls: readonly ConfigProblem[],
): ConfigProblem[] {
  return [
    ...booleanProblems(env, show),
    ...numberProblems(env, show),
    ...urls,
    ...secretWhitespaceProblems(env),
  ];
}
