import { redactUrlCredentials } from "@cloud-platform/env";

/** Replaces credentials embedded in free text; `isSensitive` decides on parameter names. */
export type StringRedactor = (text: string) => string;

const PAIR = /(^|[?&;\s])([^=&#?;\s]{1,100})=([^&#;\s]*)/g;
const JSON_PAIR = /"([^"\\]{1,100})"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
// At least 8 characters: "Bearer tokens rotate" or "Basic auth" are prose, not credentials.
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/-]{8,}=*/g;

/**
 * Builds the free-text redactor: `name=value` pairs (query strings, `key=value` messages),
 * `"name":"value"` pairs (JSON text), `Bearer`/`Basic` credentials and, in URLs, everything
 * between `://` and the last `@` of the authority (a raw `@` in a password is common). Each rule runs only when a cheap `includes` says it could match, so ordinary
 * strings cost a few scans.
 */
export function createStringRedactor(
  isSensitive: (name: string) => boolean,
  censor: string,
): StringRedactor {
  const pair = (match: string, sep: string, name: string): string =>
    isSensitive(decodeName(name)) ? `${sep}${name}=${censor}` : match;
  const jsonPair = (match: string, name: string, colon: string): string =>
    isSensitive(name) ? `"${name}"${colon}"${censor}"` : match;
  return (text) => {
    let out = text;
    if (out.includes("=")) out = out.replace(PAIR, pair);
    if (out.includes('":')) out = out.replace(JSON_PAIR, jsonPair);
    if (out.includes("Bearer") || out.includes("Basic")) {
      out = out.replace(AUTH_SCHEME, `$1$2${censor}`);
    }
    if (out.includes("@") && out.includes("//"))
      out = redactUrlCredentials(out, censor);
    return out;
  };
}

function decodeName(name: string): string {
  if (!name.includes("%")) return name;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
