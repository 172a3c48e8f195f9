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
