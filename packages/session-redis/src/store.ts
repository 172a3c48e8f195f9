/* eslint-disable @typescript-eslint/no-misused-promises --
 * express-session's Store declares callback methods returning void; like connect-redis, ours
 * also return a promise. express-session ignores it, and errors still reach the callback. */
import session, { type SessionData } from "express-session";
import { isRedisSessionError } from "./errors.js";
import type { SessionRedisClient } from "./session-redis-client.js";
import { finish, settle, type Callback } from "./settle.js";
import { unavailable, withTimeout } from "./command-timeout.js";
import {
  resolveStoreOptions,
  scanPattern,
  type RedisSessionStoreOptions,
  type ResolvedStoreOptions,
  type UnavailablePolicy,
} from "./store-options.js";
import { sessionTtl } from "./ttl.js";
import { decodeSession } from "./decode-session.js";

/** Far above the requests in flight at once; only requests that never touch accumulate. */
const MAX_REMEMBERED_EXPIRIES = 10_000;
const RESOLVED = Promise.resolve(undefined);

/**
 * express-session `Store` on Redis: `app.use(session({ store: new RedisSessionStore({ client }) }))`.
 * Every method takes the usual express-session callback and also returns a promise.
 * Redis failures surface as {@link RedisSessionError} `E_UNAVAILABLE`, within `commandTimeout`.
 * Emits `disconnect` when the connection is lost and `connect` when it is back (express-session
 * then skips sessions meanwhile; `sessionUnavailableHandler(store)` decides what the request gets).
 */
export class RedisSessionStore extends session.Store {
  /** The resolved options (defaults applied). */
  readonly options: Readonly<ResolvedStoreOptions>;
  private readonly client: SessionRedisClient;
  private readonly ownTimer: boolean;
  private available = true;
  private readonly unsubscribe: (() => void)[];
  /**
   * When each session read by `get` expires, as Redis said (ms since the epoch), renewed by
   * every read and refresh, read by the touches of the requests in flight. Bounded: entries
   * are dropped wholesale past {@link MAX_REMEMBERED_EXPIRIES}, and a touch without an entry
   * just refreshes.
   */
  private readonly expiries = new Map<string, number>();

  /** @throws {RedisSessionError} `E_INVALID_OPTION` when an option is invalid. */
  constructor(options: RedisSessionStoreOptions) {
    super();
    this.options = resolveStoreOptions(options);
    this.client = this.options.client;
    const clientTimeout = this.client.commandTimeout;
    // Skip our timer when the client already times out every command at least as early.
    this.ownTimer = !(
      clientTimeout !== undefined &&
      clientTimeout <= this.options.commandTimeout
    );
    this.unsubscribe = [
      this.client.onStatus((up) => this.setAvailable(up)),
      this.client.onError((err) => this.onClientError(err)),
    ];
  }

  /** False between a lost connection and its recovery. */
  get isAvailable(): boolean {
    return this.available;
  }

  /** The policy `sessionUnavailableHandler(store)` applies by default. */
  get onUnavailable(): UnavailablePolicy {
    return this.options.onUnavailable;
  }

  /** Redis key of a session id. */
  key(sid: string): string {
    return this.options.keyPrefix + sid;
  }

  /** Reads a session; `null` when missing or undecodable (logged, content never). */
  override get(
    sid: string,
    cb?: Callback<SessionData | null>,
  ): Promise<SessionData | null> {
    // The hot path of every request with a cookie: one async frame, no closures.
    return finish(cb, this.read(sid));
  }

  /** Writes a session with its TTL; a TTL of zero or less (expiry in the past) deletes it. */
  override set(
    sid: string,
    sess: SessionData,
    cb?: Callback<undefined>,
  ): Promise<undefined> {
    return finish(cb, this.write(sid, sess));
  }

  /** Extends the expiry only (EXPIRE); the stored body is never rewritten. */
  override touch(
    sid: string,
    sess: SessionData,
    cb?: Callback<undefined>,
  ): Promise<undefined> {
    if (this.options.disableTouch || this.options.disableTTL)
      return finish(cb, Promise.resolve(undefined));
    // Kept, not consumed: the concurrent requests of one session (a page's parallel calls)
    // each read it; a consumed entry sent an EXPIRE for all but the first.
    const expires = this.expiries.get(sid);
    const ttl = sessionTtl(this.options, sess);
    // Within the lazy-touch window: nothing to send, and no promise to wait for.
    if (ttl > 0 && expires !== undefined && this.isFresh(expires, ttl)) {
      if (cb) cb(null);
      return RESOLVED;
    }
    return finish(cb, this.refresh(sid, ttl));
  }

  private async read(sid: string): Promise<SessionData | null> {
    const key = this.options.keyPrefix + sid;
    if (!this.lazyTouch || this.client.getWithTtl === undefined) {
      const raw = await this.run("GET", this.client.get(this.up("GET", key)));
      return raw === null ? null : this.decode(raw);
    }
    const found = await this.run(
      "GET",
      this.client.getWithTtl(this.up("GET", key)),
    );
    if (found === null) return null;
    if (found.pttl >= 0) this.rememberExpiry(sid, Date.now() + found.pttl);
    else this.expiries.delete(sid);
    return this.decode(found.value);
  }

  private async write(sid: string, sess: SessionData): Promise<undefined> {
    this.expiries.delete(sid);
    const ttl = sessionTtl(this.options, sess);
    if (ttl <= 0) return this.destroy(sid);
    const value = this.options.serializer.stringify(sess);
    const ex = this.options.disableTTL ? undefined : ttl;
    const key = this.up("SET", this.options.keyPrefix + sid);
    await this.run("SET", this.client.set(key, value, ex));
    return undefined;
  }

  private async refresh(sid: string, ttl: number): Promise<undefined> {
    if (ttl <= 0) return this.destroy(sid);
    const key = this.up("EXPIRE", this.options.keyPrefix + sid);
    const sent = Date.now();
    await this.run("EXPIRE", this.client.expire(key, ttl));
    if (this.lazyTouch) this.rememberExpiry(sid, sent + ttl * 1000);
    return undefined;
  }

  /** Deletes a session (no error when it does not exist). */
  override async destroy(
    sid: string,
    cb?: Callback<undefined>,
  ): Promise<undefined> {
    return settle(cb, async () => {
      this.expiries.delete(sid);
      await this.runWith("DEL", (c) => c.del([this.key(sid)]));
      return undefined;
    });
  }

  /** Deletes every session under this prefix (SCAN, page by page). */
  override async clear(cb?: Callback<undefined>): Promise<undefined> {
    return settle(cb, async () => {
      for await (const keys of this.scanKeys())
        await this.runWith("DEL", (c) => c.del(keys));
      return undefined;
    });
  }

  /** Number of sessions under this prefix (SCAN). */
  override async length(cb?: Callback<number>): Promise<number> {
    return settle(cb, async () => (await this.allKeys()).length);
  }

  /** Session ids under this prefix (SCAN). */
  async ids(cb?: Callback<string[]>): Promise<string[]> {
    return settle(cb, async () => {
      const skip = this.options.keyPrefix.length;
      return (await this.allKeys()).map((key) => key.slice(skip));
    });
  }

  /** Every session under this prefix, each with its `id` (undecodable ones left out). */
  override async all(cb?: Callback<SessionData[]>): Promise<SessionData[]> {
    return settle(cb, async () => {
      const skip = this.options.keyPrefix.length;
      const seen = new Set<string>();
      const sessions: SessionData[] = [];
      // One MGET per SCAN page keeps every command small, however many sessions there are.
      for await (const page of this.scanKeys()) {
        const keys = page.filter((key) => !seen.has(key) && seen.add(key));
        const values =
          keys.length === 0
            ? []
            : await this.runWith("MGET", (c) => c.mget(keys));
        for (const [i, raw] of values.entries()) {
          const sess = raw === null ? null : await this.decode(raw);
          if (sess !== null)
            sessions.push({ ...sess, id: keys[i]?.slice(skip) } as SessionData);
        }
      }
      return sessions;
    });
  }

  /** Stops listening to the client, and closes it when the store owns it. */
  async close(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.options.ownsClient) await this.client.quit();
  }

  private async allKeys(): Promise<string[]> {
    // SCAN may return a key twice; a Set removes the duplicates.
    const keys = new Set<string>();
    for await (const page of this.scanKeys())
      for (const key of page) keys.add(key);
    return [...keys];
  }

  private async *scanKeys(): AsyncGenerator<string[]> {
    const pattern = scanPattern(this.options.keyPrefix);
    const iterable = this.client.scan(pattern, this.options.scanCount);
    const pages = iterable[Symbol.asyncIterator]();
    for (;;) {
      const page = await this.runWith("SCAN", () => pages.next());
      if (page.done === true) return;
      if (page.value.length > 0) yield page.value;
    }
  }

  private get lazyTouch(): boolean {
    return (
      this.options.touchAfterShare > 0 &&
      !this.options.disableTouch &&
      !this.options.disableTTL
    );
  }

  private rememberExpiry(sid: string, expires: number): void {
    if (this.expiries.size >= MAX_REMEMBERED_EXPIRIES) this.expiries.clear();
    this.expiries.set(sid, expires);
  }

  /** True while less than `touchAfterShare` of `ttl` (s) has passed since the TTL was set. */
  private isFresh(expires: number, ttl: number): boolean {
    const left = expires - Date.now();
    const passed = ttl * 1000 - left;
    return left > 0 && passed < this.options.touchAfterShare * ttl * 1000;
  }

  private decode(
    raw: string,
  ): SessionData | null | Promise<SessionData | null> {
    return decodeSession(raw, this.options);
  }

  /** The key, once the connection is known to be up (else `E_UNAVAILABLE`, nothing sent). */
  private up(op: string, key: string): string {
    if (!this.client.isUp())
      throw unavailable(op, "the connection to Redis is down");
    return key;
  }

  /** Waits for a command already sent, within `commandTimeout`; failures become `E_UNAVAILABLE`. */
  private async run<T>(op: string, pending: Promise<T>): Promise<T> {
    try {
      if (!this.ownTimer) return await pending;
      return await withTimeout(pending, this.options.commandTimeout, op);
    } catch (err) {
      if (isRedisSessionError(err)) throw err;
      throw unavailable(op, "Redis answered with an error", err);
    }
  }

  private async runWith<T>(
    op: string,
    command: (c: SessionRedisClient) => Promise<T>,
  ): Promise<T> {
    this.up(op, "");
    return this.run(op, command(this.client));
  }

  private setAvailable(up: boolean): void {
    if (up === this.available) return;
    this.available = up;
    this.emit(up ? "connect" : "disconnect");
  }

  private onClientError(err: Error): void {
    // One line per outage, not one per reconnect attempt.
    if (!this.available) return;
    this.options.logger.warn("session-redis: Redis connection error", {
      error: err.message,
    });
  }
}
