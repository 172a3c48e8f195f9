import { randomUUID } from "node:crypto";
import type { Middleware } from "./middleware.js";
import { enterRequestContext } from "./request-context.js";
import { requestStartNs } from "@cloud-platform/route-template";

/** Options of {@link requestContextMiddleware}. */
export interface RequestContextMiddlewareOptions {
  /**
   * The request header read for an incoming id (any case); the response always carries
   * the id as `X-Request-Id`.
   * @default 'x-request-id'
   */
  header?: string;
  /**
   * Keep a safe incoming id (see {@link isSafeRequestId}); false always makes a new one.
   * @default true
   */
  trustIncomingId?: boolean;
  /**
   * Makes a new id.
   * @default crypto.randomUUID
   */
  generateId?: () => string;
  /**
   * Read the W3C `traceparent` header: a valid one puts `trace.id` and `span.id` on every
   * line of the request; an invalid one is ignored.
   * @default true
   */
  traceparent?: boolean;
}

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * True for an id that can be logged and echoed as is: 1 to 128 characters among letters,
 * digits, `.`, `_` and `-` (nothing that could forge a log line or a header).
 */
export function isSafeRequestId(value: unknown): value is string {
  return typeof value === "string" && SAFE_ID.test(value);
}

/**
 * Gives each request a context (see `getRequestContext`) holding its request id: the
 * incoming `X-Request-Id` when it is safe, otherwise a new UUID. The id is echoed in the
 * `X-Request-Id` response header, and every log line written while serving the request,
 * however deep in library code, carries it as `request_id` (and, from a valid W3C
 * `traceparent`, `trace.id` and `span.id`). Mount it first.
 */
export function requestContextMiddleware(
  options: RequestContextMiddlewareOptions = {},
): Middleware {
  const header = (options.header ?? "x-request-id").toLowerCase();
  const trust = options.trustIncomingId ?? true;
  const generate = options.generateId ?? randomUUID;
  const trace = options.traceparent ?? true;
  return (req, res, next) => {
    requestStartNs(req);
    const incoming = req.headers[header];
    const requestId =
      trust && isSafeRequestId(incoming) ? incoming : generate();
    res.setHeader("X-Request-Id", requestId);
    const traceparent = trace ? req.headers.traceparent : undefined;
    enterRequestContext(
      requestId,
      typeof traceparent === "string" ? traceparent : undefined,
      next,
    );
  };
}
