import type { Statsd } from "./statsd.js";

/** Sends ready-made statsd lines (prefix included, `\n`-separated) in one buffered write. */
export type LineSender = (lines: string) => void;

/**
 * The fast path of the clients made by `createStatsd`, kept out of the public interface:
 * the middleware formats its three lines once per request and hands them over in one call
 * instead of three trips through hot-shots' per-metric formatting. Absent for clients with
 * global tags (each line must carry them) and for other `Statsd` implementations.
 */
export const lineSenders = new WeakMap<Statsd, LineSender>();
