import type { IncomingMessage, ServerResponse } from "node:http";

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
  [PENDING]?: ((error?: unknown) => void) | undefined;
}

const PENDING = Symbol("session-redis.deferred-session");

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

function deferred(
  session: SessionMiddleware,
  options: DeferSessionOptions,
): SessionMiddleware {
  const name = options.cookieName ?? "connect.sid";
  function materialize(req: DeferredRequest): void {
    const next = req[PENDING];
    if (next === undefined || req.res === undefined) return;
    req[PENDING] = undefined;
    delete (req as { session?: unknown }).session;
    delete (req as { sessionID?: unknown }).sessionID;
    // Without a cookie express-session runs synchronously: generate, hook, next().
    session(req, req.res, (error) => {
      if (error !== undefined && error !== null) next(error);
    });
  }
  const accessor = (
    field: "session" | "sessionID",
  ): PropertyDescriptor & ThisType<DeferredRequest> => ({
    configurable: true,
    enumerable: false,
    get(this: DeferredRequest): unknown {
      materialize(this);
      return (this as unknown as Record<string, unknown>)[field];
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
  });
  const sessionAccessor = accessor("session");
  const idAccessor = accessor("sessionID");
  return (req: DeferredRequest, res, next) => {
    const cookie = req.headers.cookie;
    // A substring test is enough: a false match only means express-session runs now.
    if (cookie?.includes(name) === true || req.res === undefined) {
      session(req, res, next);
      return;
    }
    req[PENDING] = next;
    Object.defineProperty(req, "session", sessionAccessor);
    Object.defineProperty(req, "sessionID", idAccessor);
    next();
  };
}

/** True while `req.session` has not been created yet (the request has no session cookie). */
export function isSessionDeferred(req: IncomingMessage): boolean {
  return (req as DeferredRequest)[PENDING] !== undefined;
}
