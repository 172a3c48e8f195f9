import type { SessionData } from "express-session";
import type { ResolvedStoreOptions } from "./store-options.js";

/**
 * Parses stored session data; `null` when it cannot be decoded (bad data, or not an object),
 * after a warning that gives its size and the error type only.
 */
export async function decodeSession(
  raw: string,
  options: Pick<ResolvedStoreOptions, "serializer" | "logger" | "keyPrefix">,
): Promise<SessionData | null> {
  try {
    // A custom parser may return anything; only an object is a session.
    const sess: unknown = await options.serializer.parse(raw);
    if (typeof sess === "object" && sess !== null) return sess as SessionData;
    throw new TypeError("decoded session is not an object");
  } catch (err) {
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
}
