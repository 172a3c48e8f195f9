import { RedisSessionError } from './errors.js';

/** The `E_UNAVAILABLE` error of a failed Redis operation. */
export function unavailable(op: string, why: string, cause?: unknown): RedisSessionError {
  return new RedisSessionError('E_UNAVAILABLE', `Session store unavailable: ${op} failed (${why})`, {
    cause,
  });
}

/** Rejects with `E_UNAVAILABLE` when `pending` has not settled within `ms`. */
export async function withTimeout<T>(pending: Promise<T>, ms: number, op: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable(op, `no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

