/**
 * The levels this logger knows, most severe first (winston's npm numbering: a lower value is
 * more severe, and a logger at level `info` writes `error`, `warn` and `info`).
 */
export const LogLevels = { error: 0, warn: 1, info: 2, debug: 3 } as const;

/** One of `error`, `warn`, `info`, `debug`. */
export type LogLevel = keyof typeof LogLevels;

/** True when `value` is one of the {@link LogLevels}. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && Object.hasOwn(LogLevels, value);
}
