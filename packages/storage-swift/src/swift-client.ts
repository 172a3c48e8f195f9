import {
  StorageError,
  StorageErrorCode,
  isAbortError,
} from "@cloud-platform/storage-core";
import { tokenSession, type TokenSession } from "./auth/token-registry.js";
import type { SwiftToken } from "./auth/token.js";
import type { SwiftAuthOptions } from "./options.js";
import {
  backoff,
  isTransientStatus,
  type RetryPolicy,
} from "./retry-strategy.js";
import type { FailureContext } from "./map-error.js";

/** One request to the Swift API, relative to the account (storage) URL. */
export interface SwiftRequest {
  method: string;
  /** Encoded path below the account URL: `''`, `/container` or `/container/key`. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /**
   * Bytes or a stream factory (both replayed on retries and after a re-auth), or a stream,
   * which is sent once: a request whose streamed body has started is never retried.
   */
  body?:
    | Buffer
    | string
    | ReadableStream<Uint8Array>
    | (() => ReadableStream<Uint8Array>);
  signal?: AbortSignal | undefined;
  /** The body's own failure (source error, size mismatch, abort), reported instead of the fetch error. */
  bodyError?: () => Error | undefined;
  /** For error messages. */
  context: FailureContext;
}

/** A tiny Swift HTTP client: token handling, one re-auth on 401, retries with backoff. */
export interface SwiftClient {
  /** Sends the request; answers any status except 401 and transient ones (those throw after retries). */
  request(request: SwiftRequest): Promise<Response>;
  /** A valid token (authenticating when needed). */
  token(): Promise<SwiftToken>;
}

/** Options of {@link createSwiftClient}. */
export interface SwiftClientOptions {
  auth: SwiftAuthOptions;
  retry: RetryPolicy;
  fetch: typeof fetch;
  now: () => number;
}

/** Creates the client; tokens come from the registry shared by every store with the same credentials. */
export function createSwiftClient(options: SwiftClientOptions): SwiftClient {
  const session: TokenSession = tokenSession(options.auth);
  const token = (): Promise<SwiftToken> =>
    session.get({ fetch: options.fetch, now: options.now }, options.retry);

  const request = async (req: SwiftRequest): Promise<Response> => {
    const replayable = !(req.body instanceof ReadableStream);
    let reauthed = false;
    for (let attempt = 1; ; attempt++) {
      const current = await token();
      let response: Response;
      try {
        response = await send(options.fetch, current, req);
      } catch (error) {
        const own = req.bodyError?.();
        if (own !== undefined) throw own;
        if (req.signal?.aborted || isAbortError(error))
          throw aborted(req.context, error);
        if (!replayable || attempt > options.retry.retries)
          throw unavailable(
            req.context,
            `network error (${describe(error)})`,
            error,
          );
        await backoff(options.retry, attempt, null, req.signal);
        continue;
      }
      if (response.status === 401) {
        await response.body?.cancel().catch(() => undefined);
        session.invalidate(current.token);
        if (!replayable)
          throw unavailable(
            req.context,
            "token refused (HTTP 401) after the streamed body started; not replayable",
            undefined,
          );
        if (reauthed)
          throw new StorageError(
            StorageErrorCode.Permission,
            `${req.context.op} ${req.context.what}: permission denied (HTTP 401 after re-authentication)`,
            { key: req.context.key, store: req.context.store },
          );
        reauthed = true;
        attempt--;
        continue;
      }
      if (isTransientStatus(response.status)) {
        await response.body?.cancel().catch(() => undefined);
        if (!replayable || attempt > options.retry.retries)
          throw unavailable(req.context, `HTTP ${response.status}`, undefined);
        await backoff(
          options.retry,
          attempt,
          response.headers.get("retry-after"),
          req.signal,
        );
        continue;
      }
      return response;
    }
  };
  return { request, token };
}

async function send(
  fetchImpl: typeof fetch,
  token: SwiftToken,
  req: SwiftRequest,
): Promise<Response> {
  const body = typeof req.body === "function" ? req.body() : req.body;
  const query = req.query
    ? `?${new URLSearchParams(req.query).toString()}`
    : "";
  const init: RequestInit & { duplex?: "half" } = {
    method: req.method,
    // Swift never redirects. With any other mode, fetch clones the request, which tees a
    // streamed body and keeps every byte sent in memory until the request ends.
    redirect: "error",
    headers: { ...req.headers, "x-auth-token": token.token },
    ...(body === undefined ? {} : { body }),
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
  };
  return fetchImpl(`${token.storageUrl}${req.path}${query}`, init);
}

function describe(error: unknown): string {
  const cause =
    error instanceof Error && error.cause instanceof Error
      ? `: ${error.cause.message}`
      : "";
  return error instanceof Error ? `${error.message}${cause}` : String(error);
}

function unavailable(
  context: FailureContext,
  reason: string,
  cause: unknown,
): StorageError {
  return new StorageError(
    StorageErrorCode.Unavailable,
    `${context.op} ${context.what}: ${reason}`,
    { key: context.key, store: context.store, cause },
  );
}

function aborted(context: FailureContext, cause: unknown): StorageError {
  return new StorageError(
    StorageErrorCode.Aborted,
    `${context.op} ${context.what}: aborted`,
    { key: context.key, store: context.store, cause },
  );
}
