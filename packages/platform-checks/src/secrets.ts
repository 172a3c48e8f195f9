import type { PlatformEnv } from "./report.js";

/** Variables whose whole value is a secret: reported only as set / not set / malformed. */
export const SECRET_VARIABLES: readonly string[] = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "SWIFT_PASSWORD",
  "SWIFT_APPLICATION_CREDENTIAL_SECRET",
  "ODOO_SESSION_REDIS_PASSWORD",
  "ODOO_PROMETHEUS_TOKEN",
  "SESSION_SECRET",
  // Read by the AWS SDK's credential chain, not by us: never echoed all the same.
  "AWS_SESSION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
];

/** URL variables that may carry a password: their value is never echoed either. */
export const SECRET_URL_VARIABLES: readonly string[] = [
  "ODOO_SESSION_REDIS_URL",
  "DATABASE_URL",
];

/** Shorter strings are not scrubbed: replacing every `1` in a message would garble it. */
const MIN_SCRUB_LENGTH = 4;

function urlPassword(value: string): string[] {
  try {
    const url = new URL(value);
    if (url.password === "") return [];
    return [url.password, decodeURIComponent(url.password)];
  } catch {
    return [];
  }
}

/**
 * Every secret string the environment holds (secret values, whole secret URLs and the
 * passwords inside them), longest first so a secret containing another is scrubbed whole.
 */
export function secretValues(env: PlatformEnv): string[] {
  const found = new Set<string>();
  for (const name of [...SECRET_VARIABLES, ...SECRET_URL_VARIABLES]) {
    const value = env[name];
    if (value === undefined) continue;
    for (const candidate of [value, value.trim(), ...urlPassword(value)]) {
      if (candidate.length >= MIN_SCRUB_LENGTH) found.add(candidate);
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}
