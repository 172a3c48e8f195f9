/** An express-session store callback. */
export type Callback<T> = (err: unknown, value?: T) => void;

/** Runs `work`, then either calls the express-session callback or returns/throws. */
export async function settle<T>(
  cb: Callback<T> | undefined,
  work: () => Promise<T>,
): Promise<T> {
  let value: T;
  try {
    value = await work();
  } catch (err) {
    if (!cb) throw err;
    cb(err);
    return undefined as T;
  }
  if (cb) cb(null, value);
  return value;
}

/**
 * Settles an operation already started: the callback gets its outcome, or, without one, the
 * caller gets the promise itself. With a callback the returned promise never rejects (the
 * error went to the callback), so express-session, which ignores it, sees no unhandled rejection.
 */
export function finish<T>(
  cb: Callback<T> | undefined,
  pending: Promise<T>,
): Promise<T> {
  if (!cb) return pending;
  return pending.then(
    (value) => {
      cb(null, value);
      return value;
    },
    (err: unknown) => {
      cb(err);
      return undefined as T;
    },
  );
}
