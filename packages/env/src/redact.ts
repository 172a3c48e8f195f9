/** What a redacted secret becomes. */
export const REDACTED = "[redacted]";

/** Shorter strings are not scrubbed: replacing every `1` in a message would garble it. */
const MIN_SECRET_LENGTH = 4;

/**
 * `scheme://` then a run without whitespace or quotes holding an `@`: everything up to the
 * last `@` of that run is credentials (a raw `@` in a password is common).
 */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>`]*)@/gi;

/**
 * Replaces, in any URL of `text`, everything between `://` and the last `@` of its authority
 * (the user and password; a raw `@` in a password is common) by `censor`.
 */
export function redactUrlCredentials(text: string, censor = REDACTED): string {
  if (!text.includes("@")) return text;
  return text.replace(URL_CREDENTIALS, (_match, scheme: string) => {
    return `${scheme}${censor}@`;
  });
}

/**
 * Replaces every secret in `text` by `[redacted]`, and in any URL everything between `://`
 * and the last `@` of its authority. Redact before you cut ({@link cut}): a cut secret is no
 * longer found, and its prefix leaks.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = redactUrlCredentials(text);
  const ordered = secrets
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const secret of ordered) out = out.split(secret).join(REDACTED);
  return out;
}

/** Shortens `text` to at most `max` characters (an ellipsis marks the cut). Cut only redacted text. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 3))}...`;
}

/** Redacts, then cuts: the one way a report quotes text it did not write. */
export function redactAndCut(
  text: string,
  max: number,
  secrets: readonly string[] = [],
): string {
  return cut(redact(text, secrets), max);
}

/**
 * A non-secret value, redacted, cut to 80 characters and quoted, for a message (an operator
 * may paste anything, a key included, into any variable).
 */
export function show(value: string, secrets: readonly string[] = []): string {
  return JSON.stringify(redactAndCut(value, 80, secrets));
}
