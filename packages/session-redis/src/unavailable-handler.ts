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
 * answer was sent is swallowed: that answer is already complete. Other errors pass through.
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
    if (res.headersSent) return;
    if (policy === "continue") next();
    else reject(res);
  };
  return [guard, onError];
}
