import { IncomingMessage, type ServerResponse } from "node:http";

/** A connect/Express middleware, such as the one `session()` of express-session returns. */
export type SessionMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/** Options of {@link deferSessionWithoutCookie}. */
export interface DeferSessionOptions {
  /** The session cookie's name (express-session's `name`). @default 'connect.sid' */
  cookieName?: string | undefined;
}

interface DeferredRequest extends IncomingMessage {
  res?: ServerResponse;
  [PENDING]?: Deferral | undefined;
}

/** A request's postponed run of express-session. */
interface Deferral {
  readonly session: SessionMiddleware;
  readonly next: (error?: unknown) => void;
}

const PENDING = Symbol("session-redis.deferred-session");
/** Marks a prototype whose `session`/`sessionID` accessors are ours. */
const DEFERRING = Symbol("session-redis.deferring-prototype");
const FIELDS = ["session", "sessionID"] as const;
type Field = (typeof FIELDS)[number];

/**
 * Wraps express-session's middleware so that a request **without** the session cookie pays
 * nothing for sessions until it uses one: `req.session` (and `req.sessionID`) become
 * getters that run express-session the first time they are read, exactly as it would have
 * run before the routes (a new, empty session, saved only if the request changes it, with
 * `saveUninitialized: false`). A request that never reads `req.session`, such as a static
 * file or a health check, generates no id, hashes nothing and hooks no response method.
 * Requests that carry the cookie go through express-session at once.
 *
 * Read the session before the response headers are sent, as with express-session itself:
 * its cookie is set while the headers are written.
 */
export function deferSessionWithoutCookie<
  M extends (req: never, res: never, next: never) => void = SessionMiddleware,
>(session: M, options: DeferSessionOptions = {}): M {
  // Express's handler types are narrower views of the same (req, res, next) call.
  return deferred(
    session as unknown as SessionMiddleware,
    options,
  ) as unknown as M;
}

/** Runs the request's postponed express-session, once. */
function materialize(req: DeferredRequest): void {
  const deferral = req[PENDING];
  if (deferral === undefined || req.res === undefined) return;
  req[PENDING] = undefined;
  // Accessors of the request itself (a request whose prototype is not an app's) step aside
  // for the values express-session sets.
  if (Object.hasOwn(req, "session")) {
    const own = req as { session?: unknown; sessionID?: unknown };
    delete own.session;
    delete own.sessionID;
  }
  // Without a cookie express-session runs synchronously: generate, hook, next().
  deferral.session(req, req.res, (error) => {
    if (error !== undefined && error !== null) deferral.next(error);
  });
}

/** `req.session`/`req.sessionID` that run the postponed express-session when first used. */
function accessor(
  field: Field,
): PropertyDescriptor & ThisType<DeferredRequest> {
  return {
    configurable: true,
    enumerable: false,
    get(this: DeferredRequest): unknown {
      materialize(this);
      // The value express-session set on the request, if it did.
      return Object.hasOwn(this, field)
        ? (this as unknown as Record<Field, unknown>)[field]
        : undefined;
    },
    set(this: DeferredRequest, value: unknown): void {
      materialize(this);
      Object.defineProperty(this, field, {
        configurable: true,
        enumerable: true,
        writable: true,
        value,
      });
    },
  };
}

const accessors = Object.fromEntries(
  FIELDS.map((field) => [field, accessor(field)]),
) as Record<Field, PropertyDescriptor>;

/**
 * True when the accessors can live on a prototype of `req`. Express gives every request its
 * app's prototype (`app.request`, which inherits from Express's own `request`): the
 * accessors go once on the prototype nearest to Node's `IncomingMessage.prototype`, so a
 * deferred request adds one property instead of three (beyond the first, each one costs
 * about 6 µs per request on Node 20: bench/request-properties.bench.ts), and a request that a sub-app hands back to its parent (Express swaps
 * its prototype again) keeps them. Node's own `IncomingMessage.prototype` is never changed.
 */
function onPrototype(req: IncomingMessage): boolean {
  const base = basePrototype(req);
  if (base === undefined) return false;
  if (Object.hasOwn(base, DEFERRING)) return true;
  // Someone else's `session` on the prototype: leave it alone.
  if (FIELDS.some((field) => field in base)) return false;
  Object.defineProperties(base, accessors);
  Object.defineProperty(base, DEFERRING, { value: true });
  return true;
}

/** The prototype of `req` just above `IncomingMessage.prototype`, if there is one. */
function basePrototype(req: IncomingMessage): object | undefined {
  let proto = Object.getPrototypeOf(req) as object | null;
  if (proto === null || proto === IncomingMessage.prototype) return undefined;
  for (;;) {
    const up = Object.getPrototypeOf(proto) as object | null;
    if (up === null) return undefined;
    if (up === IncomingMessage.prototype) return proto;
    proto = up;
  }
}

function deferred(
  session: SessionMiddleware,
  options: DeferSessionOptions,
): SessionMiddleware {
  const name = options.cookieName ?? "connect.sid";
  return (req: DeferredRequest, res, next) => {
    const cookie = req.headers.cookie;
    // A substring test is enough: a false match only means express-session runs now.
    if (cookie?.includes(name) === true || req.res === undefined) {
      session(req, res, next);
      return;
    }
    req[PENDING] = { session, next };
    if (!onPrototype(req)) Object.defineProperties(req, accessors);
    next();
  };
}

/** True while `req.session` has not been created yet (the request has no session cookie). */
export function isSessionDeferred(req: IncomingMessage): boolean {
  return (req as DeferredRequest)[PENDING] !== undefined;
}
