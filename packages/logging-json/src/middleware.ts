import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * A Connect/Express middleware. Typed on Node's own request and response, so this package
 * needs no Express types; Express (4 or 5) accepts it as is.
 */
export type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;
