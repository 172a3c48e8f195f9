import { setTimeout as sleep } from "node:timers/promises";
import type { SwiftRetryOptions } from "./options.js";

/** A retry policy with its defaults filled in. */
export interface RetryPolicy {
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
}

/** Fills in the defaults of {@link SwiftRetryOptions}. */
export function retryPolicy(options: SwiftRetryOptions = {}): RetryPolicy {
  return {
    retries: options.retries ?? 3,
    minDelayMs: options.minDelayMs ?? 100,
    maxDelayMs: options.maxDelayMs ?? 2000,
  };
}

/** Waits before retry number `attempt` (1-based): exponential with full jitter, or the server's Retry-After. */
export async function backoff(
  policy: RetryPolicy,
  attempt: number,
  retryAfter?: string | null,
  signal?: AbortSignal,
): Promise<void> {
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.minDelayMs * 2 ** (attempt - 1),
  );
  const asked = retryAfter ? Number(retryAfter) * 1000 : Number.NaN;
  const delay = Number.isFinite(asked)
    ? Math.min(asked, policy.maxDelayMs)
    : ceiling / 2 + Math.random() * (ceiling / 2);
  await sleep(delay, undefined, signal ? { signal } : {});
}

/** HTTP statuses worth another try. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 498 || status >= 500;
}
