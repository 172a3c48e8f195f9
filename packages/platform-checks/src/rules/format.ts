import { PlatformRule } from "../rules.js";
import { SECRET_VARIABLES } from "../secrets.js";
import { parseDigits, parseStrictBoolean, readVar } from "../values.js";
import type { RuleContext } from "./context.js";

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

/** Booleans must be strict words; "maybe" is an error, never "non-empty means true". */
export function checkBooleans(ctx: RuleContext): void {
  for (const name of BOOLEAN_VARIABLES) {
    const value = readVar(ctx.env, name);
    if (value === undefined || parseStrictBoolean(value) !== undefined)
      continue;
    ctx.problem(
      PlatformRule.FormatBoolean,
      name,
      `${name}=${ctx.show(value)} is not a boolean.`,
      `Use 1/true/yes/on or 0/false/no/off (any case), or leave ${name} unset.`,
    );
  }
}

/** Ports and durations must be plain integers in range. */
export function checkNumbers(ctx: RuleContext): void {
  for (const name of PORT_VARIABLES) {
    const value = readVar(ctx.env, name);
    if (value === undefined) continue;
    const port = parseDigits(value);
    if (port !== undefined && port >= 1 && port <= 65535) continue;
    ctx.problem(
      PlatformRule.FormatPort,
      name,
      `${name}=${ctx.show(value)} is not a TCP port.`,
      `Set ${name} to an integer from 1 to 65535, or leave it unset for the default.`,
    );
  }
  for (const name of SECONDS_VARIABLES) {
    const value = readVar(ctx.env, name);
    if (value === undefined) continue;
    const seconds = parseDigits(value);
    if (seconds !== undefined && seconds >= 1) continue;
    ctx.problem(
      PlatformRule.FormatSeconds,
      name,
      `${name}=${ctx.show(value)} is not a positive number of seconds.`,
      `Set ${name} to a whole number of seconds (at least 1), or leave it unset for the default.`,
    );
  }
}

/** A secret with a leading or trailing space or newline is a paste accident. */
export function checkSecretWhitespace(ctx: RuleContext): void {
  for (const name of SECRET_VARIABLES) {
    // The raw value: readVar trims, and the whitespace is what this rule looks for.
    const value = ctx.env[name];
    if (value === undefined || value.trim() === "" || value === value.trim())
      continue;
    ctx.problem(
      PlatformRule.FormatSecretWhitespace,
      name,
      `${name} is set but malformed: it starts or ends with whitespace.`,
      `Remove the surrounding spaces or newline from ${name} (often a trailing newline of a secret file).`,
    );
  }
}
