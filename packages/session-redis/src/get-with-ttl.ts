import { createHash } from "node:crypto";

/** A session's stored text and the milliseconds its key has left (`PTTL`; negative: no expiry). */
export interface ValueWithTtl {
  value: string;
  pttl: number;
}

/**
 * GET and PTTL in one Redis command, so the store knows, at no extra command, whether the
 * session's TTL needs refreshing (the lazy touch). A Lua script is atomic: both answers
 * describe the same key at the same moment.
 */
export const GET_WITH_TTL_SCRIPT =
  "local v = redis.call('GET', KEYS[1]) if not v then return false end return {v, redis.call('PTTL', KEYS[1])}";

/** SHA-1 of {@link GET_WITH_TTL_SCRIPT}, for EVALSHA. */
export const GET_WITH_TTL_SHA = createHash("sha1")
  .update(GET_WITH_TTL_SCRIPT)
  .digest("hex");

/**
 * Runs the script by its SHA (the usual case: one short command), and by its text once when
 * Redis does not know it yet (a new or flushed server answers `NOSCRIPT`).
 */
export async function evalGetWithTtl(
  bySha: () => Promise<unknown>,
  byText: () => Promise<unknown>,
): Promise<ValueWithTtl | null> {
  let reply: unknown;
  try {
    reply = await bySha();
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT"))
      throw err;
    reply = await byText();
  }
  return parseReply(reply);
}

function parseReply(reply: unknown): ValueWithTtl | null {
  if (!Array.isArray(reply)) return null;
  const [raw, pttl] = reply as unknown[];
  const value = Buffer.isBuffer(raw) ? raw.toString("utf8") : raw;
  if (typeof value !== "string") return null;
  return { value, pttl: typeof pttl === "number" ? pttl : -1 };
}
