import { RedisSessionError } from "./errors.js";

/** The `E_UNAVAILABLE` error of a failed Redis operation. */
export function unavailable(
  op: string,
  why: string,
  cause?: unknown,
): RedisSessionError {
  return new RedisSessionError(
    "E_UNAVAILABLE",
    `Session store unavailable: ${op} failed (${why})`,
    {
      cause,
    },
  );
}

/** Rejects with `E_UNAVAILABLE` when `pending` has not settled within `ms`. */
export function withTimeout<T>(
  pending: Promise<T>,
  ms: number,
  op: string,
): Promise<T> {
  // Hand-rolled rather than Promise.race + finally: this runs for every command, and the
  // fewer promises per command, the closer the store stays to a bare client.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(unavailable(op, `no answer within ${ms} ms`)),
      ms,
    );
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        // Passed on as is: the caller wraps it into E_UNAVAILABLE with it as the cause.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(err);
      },
    );
  });
}
