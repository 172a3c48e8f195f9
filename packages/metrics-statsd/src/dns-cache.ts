import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP } from "node:net";

/** The `lookup` signature `dgram.createSocket()` calls (Node passes the family as a number). */
export type SocketLookup = (
  hostname: string,
  options: number | { family?: number | "IPv4" | "IPv6" | undefined },
  callback: (
    error: NodeJS.ErrnoException | null,
    address: string,
    family: number,
  ) => void,
) => void;

/** The resolver behind the cache; `dns.lookup` unless a test injects another. */
export type Resolver = (
  hostname: string,
  options: { family: number },
  callback: (
    error: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void,
) => void;

interface Entry {
  at: number;
  error: NodeJS.ErrnoException | null;
  address: string;
  family: number;
}

function familyNumber(family: number | "IPv4" | "IPv6" | undefined): number {
  if (family === "IPv4") return 4;
  if (family === "IPv6") return 6;
  return family ?? 0;
}

/** Failed resolutions are retried sooner than good ones are refreshed. */
const NEGATIVE_TTL_CAP_MS = 10_000;

/**
 * A `lookup` for the statsd UDP socket that resolves each host once per `ttlMs` instead of
 * once per packet (node-statsd's flaw), also caches failures (so an unresolvable host costs
 * one DNS query per interval, not one per request), coalesces concurrent lookups, and keeps
 * using the last good address while the DNS is failing.
 */
export function createCachedLookup(
  ttlMs: number,
  resolve: Resolver = dnsLookup,
): SocketLookup {
  const cache = new Map<string, Entry>();
  const waiting = new Map<string, ((entry: Entry) => void)[]>();
  const answer = (
    entry: Entry,
    callback: Parameters<SocketLookup>[2],
  ): void => {
    process.nextTick(callback, entry.error, entry.address, entry.family);
  };
  return (hostname, options, callback) => {
    const family = familyNumber(
      typeof options === "number" ? options : options.family,
    );
    const literal = isIP(hostname);
    if (literal !== 0) {
      answer(
        { at: 0, error: null, address: hostname, family: literal },
        callback,
      );
      return;
    }
    const key = `${family}/${hostname}`;
    const cached = cache.get(key);
    const now = Date.now();
    if (
      cached &&
      now - cached.at <
        (cached.error ? Math.min(ttlMs, NEGATIVE_TTL_CAP_MS) : ttlMs)
    ) {
      answer(cached, callback);
      return;
    }
    const queue = waiting.get(key);
    if (queue) {
      queue.push((entry) => answer(entry, callback));
      return;
    }
    waiting.set(key, [(entry) => answer(entry, callback)]);
    resolve(hostname, { family }, (error, address, resolvedFamily) => {
      const stale = cached && !cached.error ? cached : undefined;
      const entry: Entry =
        error && stale
          ? { ...stale, at: Date.now() }
          : {
              at: Date.now(),
              error,
              address: typeof address === "string" ? address : "",
              family: resolvedFamily ?? family,
            };
      cache.set(key, entry);
      const callbacks = waiting.get(key) ?? [];
      waiting.delete(key);
      for (const cb of callbacks) cb(entry);
    });
  };
}
