import type { IncomingMessage, ServerResponse } from "node:http";

type Finished = (req: IncomingMessage, res: ServerResponse) => void;

/** One `finish` listener per callback, made once and shared by every response. */
const listeners = new WeakMap<Finished, (this: ServerResponse) => void>();

/**
 * Calls `finished(req, res)` when the response finishes. A Node response knows its request
 * (`res.req`), so the listener is one function shared by every request, not a closure per
 * request; a response object without it (a framework's stand-in) gets a closure.
 */
export function onFinish(
  res: ServerResponse,
  req: IncomingMessage,
  finished: Finished,
): void {
  if ((res as { req?: unknown }).req !== req) {
    res.on("finish", () => finished(req, res));
    return;
  }
  let listener = listeners.get(finished);
  if (listener === undefined) {
    listener = function (this: ServerResponse) {
      finished(this.req, this);
    };
    listeners.set(finished, listener);
  }
  res.on("finish", listener);
}
