import type { S3RetryOptions } from "./options.js";

interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

interface RetryErrorInfo {
  errorType: "THROTTLING" | "TRANSIENT" | "SERVER_ERROR" | "CLIENT_ERROR";
  retryAfterHint?: Date;
}

/** The SDK's `RetryStrategyV2` shape, declared here so the package needs no `@smithy/*` import. */
export interface BackoffRetryStrategy {
  readonly mode: string;
  acquireInitialRetryToken(scope: string): Promise<RetryToken>;
  refreshRetryTokenForRetry(
    token: RetryToken,
    error: RetryErrorInfo,
  ): Promise<RetryToken>;
  recordSuccess(token: RetryToken): void;
}

const token = (count: number, delay: number): RetryToken => ({
  getRetryCount: () => count,
  getRetryDelay: () => delay,
});

/** Defaults of {@link S3RetryOptions}. */
export const DEFAULT_RETRY: Required<S3RetryOptions> = {
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 5000,
};

/**
 * A retry strategy for the SDK: up to `maxAttempts` attempts for network errors,
 * throttling and 5xx answers, with exponential backoff and full jitter (AWS's recommended
 * form, so many clients retrying at once do not hammer a recovering server in step). A
 * `Retry-After` hint wins when it asks for longer. Unlike the SDK's standard strategy it has
 * no shared retry quota: a store's requests are few and independent. The store uses it for
 * the clients it creates; give it to your own client as
 * `new S3Client({ retryStrategy: createBackoffRetryStrategy(), ... })`.
 */
export function createBackoffRetryStrategy(
  options: S3RetryOptions = {},
): BackoffRetryStrategy {
  const { maxAttempts, baseDelayMs, maxDelayMs } = {
    ...DEFAULT_RETRY,
    ...options,
  };
  return {
    mode: "standard",
    acquireInitialRetryToken: () => Promise.resolve(token(0, 0)),
    refreshRetryTokenForRetry: (previous, error) => {
      const retries = previous.getRetryCount();
      if (error.errorType === "CLIENT_ERROR" || retries + 1 >= maxAttempts) {
        return Promise.reject(new Error("no retry left"));
      }
      const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** retries);
      const hinted = error.retryAfterHint
        ? Math.min(maxDelayMs, error.retryAfterHint.getTime() - Date.now())
        : 0;
      return Promise.resolve(
        token(retries + 1, Math.max(Math.random() * cap, hinted)),
      );
    },
    recordSuccess: () => undefined,
  };
}
