import type { IncomingMessage, ServerResponse } from "node:http";

// Keys shared through the process registry: the access log and the metrics middleware (in
// another package, maybe another copy) read the same two clock readings of a request.
const START: unique symbol = Symbol.for("@cloud-platform/request-start-ns");
const END: unique symbol = Symbol.for("@cloud-platform/response-end-ns");

interface Timed {
  [START]?: bigint | undefined;
  [END]?: bigint | undefined;
}

/**
 * When the request started (`process.hrtime.bigint()`), read once per request by the first
 * middleware that asks and shared with the others.
 */
export function requestStartNs(req: IncomingMessage): bigint {
  const timed = req as IncomingMessage & Timed;
  return (timed[START] ??= process.hrtime.bigint());
}

/** When the response finished, read once by the first `finish` listener that asks. */
export function responseEndNs(res: ServerResponse): bigint {
  const timed = res as ServerResponse & Timed;
  return (timed[END] ??= process.hrtime.bigint());
}
