import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * What the platform's middlewares keep about one request, in one object: the access log
 * and both metrics middlewares (other packages, maybe other copies of this one) read the
 * same two clock readings from it.
 */
export interface RequestRecord {
  /** `process.hrtime.bigint()` when the first middleware asked. */
  readonly startNs: bigint;
  /** `process.hrtime.bigint()` when the response finished, read by the first that asks. */
  endNs: bigint | undefined;
  /** The access log's state for this request (`@cloud-platform/logging-json`). */
  accessLog: unknown;
}

// Shared through the process registry. One property per request, not one per value: on
// Node 20 and Express 5 (which swap their prototype on every request) each property added
// to a request or a response beyond the first costs about 6 µs per request
// (bench/request-properties.bench.ts).
const RECORD: unique symbol = Symbol.for("@cloud-platform/request-record");
const END: unique symbol = Symbol.for("@cloud-platform/response-end-ns");

interface Recorded {
  [RECORD]?: RequestRecord | undefined;
}

interface TimedResponse {
  [END]?: bigint | undefined;
}

/** The request's record, made by the first middleware that asks. */
export function requestRecord(req: IncomingMessage): RequestRecord {
  const recorded = req as IncomingMessage & Recorded;
  let record = recorded[RECORD];
  if (record === undefined) {
    record = {
      startNs: process.hrtime.bigint(),
      endNs: undefined,
      accessLog: undefined,
    };
    recorded[RECORD] = record;
  }
  return record;
}

/** The request's record when a middleware made one, without making it. */
export function findRequestRecord(
  req: IncomingMessage | undefined,
): RequestRecord | undefined {
  return (req as (IncomingMessage & Recorded) | undefined)?.[RECORD];
}

/**
 * When the request started (`process.hrtime.bigint()`), read once per request by the first
 * middleware that asks and shared with the others.
 */
export function requestStartNs(req: IncomingMessage): bigint {
  return requestRecord(req).startNs;
}

/** When the response finished, read once by the first `finish` listener that asks. */
export function responseEndNs(res: ServerResponse): bigint {
  // A Node response knows its request (`res.req`); a framework's stand-in may not.
  const req = (res as { req?: unknown }).req;
  if (typeof req === "object" && req !== null) {
    const record = requestRecord(req as IncomingMessage);
    return (record.endNs ??= process.hrtime.bigint());
  }
  const timed = res as ServerResponse & TimedResponse;
  return (timed[END] ??= process.hrtime.bigint());
}
