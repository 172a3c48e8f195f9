import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import { isRedisSessionError } from "./errors.js";
import type { RedisSessionStore } from "./store.js";
import type { UnavailablePolicy } from "./store-options.js";

/** Options of {@link sessionUnavailableHandler}. */
export interface SessionUnavailableHandlerOptions {
  /** What a request gets while Redis is unavailable. @default the store's `onUnavailable` ('fail') */
  policy?: UnavailablePolicy | undefined;
  /** Body of the 503 answer. @default 'Sessions are temporarily unavailable: the session store cannot be reached. Please retry in a moment.' */
  message?: string | undefined;
  /** `Retry-After` header of the 503 answer, in seconds. @default 5 */
  retryAfter?: number | undefined;
}

const DEFAULT_MESSAGE =
  "Sessions are temporarily unavailable: the session store cannot be reached. Please retry in a moment.";

/**
 * The policy for requests while Redis is unavailable. Mount it right after express-session:
 * `app.use(session({ store }), sessionUnavailableHandler(store))`.
 *
 * Two situations reach it: the store already knows the connection is down (it emitted
 * `disconnect`, so express-session left `req.session` undefined), or a store call failed
 * with `E_UNAVAILABLE` (express-session passed the error to `next(err)`). With `'fail'` the
 * request gets a 503 with `message`; with `'continue'` it goes on without a session
 * (`req.session` undefined). An `E_UNAVAILABLE` error from saving the session after the
 * answer was sent is swallowed: express-session completes that answer. Other errors pass
 * through. Such a late save error only reaches the error handler when the session middleware
 * is wrapped by {@link catchLateSessionErrors}; {@link guardedSession} does both.
 * @returns a middleware and an error handler, to pass together to `app.use()`.
 */
export function sessionUnavailableHandler(
  store: RedisSessionStore,
  options: SessionUnavailableHandlerOptions = {},
): [RequestHandler, ErrorRequestHandler] {
  const policy = options.policy ?? store.onUnavailable;
  const reject = (res: Response): void => {
    res
      .status(503)
      .set("Retry-After", String(options.retryAfter ?? 5))
      .type("text/plain")
      .send(options.message ?? DEFAULT_MESSAGE);
  };
  const guard: RequestHandler = (req, res, next) => {
    // `req.session` last: reading it creates a deferred session (deferSessionWithoutCookie).
    if (
      store.isAvailable ||
      policy === "continue" ||
      (req.session as unknown) !== undefined
    ) {
      next();
      return;
    }
    reject(res);
  };
  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    if (!isRedisSessionError(err, "E_UNAVAILABLE")) {
      next(err);
      return;
    }
    if (res.headersSent) {
      // The answer is out (express-session completes it); the change it made is not saved.
      store.options.logger.warn(
        "session-redis: a session change was not saved, Redis is unavailable",
        { error: err.message },
      );
      return;
    }
    if (policy === "continue") next();
    else reject(res);
  };
  return [guard, onError];
}

/**
 * Wraps express-session's middleware so that an error it reports *after* it let the request
 * through reaches `onError`. express-session saves a changed session when the response ends,
 * and reports a failed save by calling its `next(err)` a second time, once the route has
 * answered. Express's router has by then passed every layer, so the error skips the app's
 * error handlers and lands in Express's final handler, which destroys the socket while
 * express-session is still ending the response: the client got a complete answer or a
 * broken connection, depending on which came first.
 */
export function catchLateSessionErrors<
  M extends (req: never, res: never, next: never) => void,
>(session: M, onError: ErrorRequestHandler): M {
  const run = session as unknown as RequestHandler;
  const wrapped: RequestHandler = (req, res, next) => {
    let passed = false;
    run(req, res, (error?: unknown) => {
      if (!passed) {
        passed = true;
        next(error);
      } else if (error !== undefined && error !== null) {
        void onError(error, req, res, next);
      }
    });
  };
  return wrapped as unknown as M;
}

/**
 * express-session's middleware with the policy of {@link sessionUnavailableHandler}, late
 * save errors included ({@link catchLateSessionErrors}):
 * `app.use(guardedSession(session({ store }), store))`.
 * @returns a middleware and an error handler, to pass together to `app.use()`.
 */
export function guardedSession(
  session: RequestHandler,
  store: RedisSessionStore,
  options: SessionUnavailableHandlerOptions = {},
): [RequestHandler, ErrorRequestHandler] {
  const [guard, onError] = sessionUnavailableHandler(store, options);
  const caught = catchLateSessionErrors(session, onError);
  const handler: RequestHandler = (req, res, next) => {
    caught(req, res, (error?: unknown) => {
      if (error !== undefined && error !== null) next(error);
      else guard(req, res, next);
    });
  };
  return [handler, onError];
}
