import type { SessionData } from "express-session";
import type { ResolvedStoreOptions } from "./store-options.js";

/**
 * Parses stored session data; `null` when it cannot be decoded (bad data, or not an object),
 * after a warning that gives its size and the error type only.
 */
export function decodeSession(
  raw: string,
  options: DecodeOptions,
): SessionData | null | Promise<SessionData | null> {
  let parsed: unknown;
  try {
    parsed = options.serializer.parse(raw);
  } catch (err) {
    return undecodable(raw, options, err);
  }
  // A synchronous parser (JSON, the default) answers without a promise of our own.
  if (parsed instanceof Promise)
    return parsed.then(
      (sess: unknown) => asSession(sess, raw, options),
      (err: unknown) => undecodable(raw, options, err),
    );
  return asSession(parsed, raw, options);
}

type DecodeOptions = Pick<
  ResolvedStoreOptions,
  "serializer" | "logger" | "keyPrefix"
>;

/** A custom parser may return anything; only an object is a session. */
function asSession(
  sess: unknown,
  raw: string,
  options: DecodeOptions,
): SessionData | null {
  if (typeof sess === "object" && sess !== null) return sess as SessionData;
  return undecodable(
    raw,
    options,
    new TypeError("decoded session is not an object"),
  );
}

function undecodable(raw: string, options: DecodeOptions, err: unknown): null {
  // Never log the content, nor the parser's message (JSON.parse quotes the input).
  options.logger.warn(
    "session-redis: undecodable session data, treated as a new session",
    {
      prefix: options.keyPrefix,
      bytes: raw.length,
      error: err instanceof Error ? err.name : typeof err,
    },
  );
  return null;
}
