import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "./logger.js";
import type { Middleware } from "./middleware.js";
import { getRequestContext, type RequestContext } from "./request-context.js";

/** Options of {@link accessLogMiddleware}. */
export interface AccessLogOptions {
  /**
   * Paths (without query string, trailing slash ignored) never logged.
   * @default ['/monitoring/status']
   */
  ignorePaths?: readonly string[];
  /** Called at the end of each request; return true to leave the request out. */
  skip?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /**
   * `http.route` of a request that matched no route, so that scanners' random paths
   * collapse into one value.
   * @default 'unmatched'
   */
  unmatchedRoute?: string;
}

interface ExpressRequest extends IncomingMessage {
  originalUrl?: string;
  baseUrl?: string;
  route?: { path?: unknown };
}

/**
 * Writes one line per request when the response is finished (or the client went away):
 * method, route template (`/attachments/:id`, from Express's `req.baseUrl` + `req.route`),
 * path (never the query string), status, duration (`event.duration`, ns), response body
 * bytes, user agent, request id and user. Level `error` for 5xx, `info` otherwise. Mount it
 * after `requestContextMiddleware()`.
 */
export function accessLogMiddleware(
  logger: Pick<Logger, "info" | "error">,
  options: AccessLogOptions = {},
): Middleware {
  const ignored = new Set(
    (options.ignorePaths ?? ["/monitoring/status"]).map(trimSlash),
  );
  const unmatched = options.unmatchedRoute ?? "unmatched";
  return (req, res, next) => {
    const path = pathOf(req);
    if (ignored.has(trimSlash(path))) {
      next();
      return;
    }
    const start = process.hrtime.bigint();
    const context = getRequestContext();
    const bytes = countBodyBytes(res);
    let logged = false;
    const done = (): void => {
      if (logged) return;
      logged = true;
      if (options.skip?.(req, res) === true) return;
      const line = {
        req: req as ExpressRequest,
        res,
        path,
        start,
        context,
        bytes: bytes(),
        unmatched,
      };
      writeLine(logger, line);
    };
    res.once("finish", done);
    res.once("close", done);
    next();
  };
}

interface Line {
  req: ExpressRequest;
  res: ServerResponse;
  path: string;
  start: bigint;
  context: RequestContext | undefined;
  bytes: number;
  unmatched: string;
}

function writeLine(logger: Pick<Logger, "info" | "error">, line: Line): void {
  const { req, res } = line;
  const nanoseconds = Number(process.hrtime.bigint() - line.start);
  const method = req.method ?? "GET";
  const status = res.statusCode;
  const aborted = !res.writableFinished;
  const fields: Record<string, unknown> = {
    "http.request.method": method,
    "http.route": routeOf(req) ?? line.unmatched,
    "url.path": line.path,
    "http.response.status_code": status,
    "http.response.body.bytes": line.bytes,
    "event.duration": nanoseconds,
    "user_agent.original": req.headers["user-agent"],
    request_id: line.context?.requestId,
    uid: line.context?.uid,
    dbname: line.context?.dbname,
  };
  if (aborted) fields["event.outcome"] = "unknown";
  const message = `${method} ${line.path} ${status}${aborted ? " (client went away)" : ""} ${(nanoseconds / 1e6).toFixed(1)}ms`;
  if (status >= 500) logger.error(message, fields);
  else logger.info(message, fields);
}

function routeOf(req: ExpressRequest): string | undefined {
  const template = req.route?.path;
  let path: string;
  if (typeof template === "string") path = template;
  else if (Array.isArray(template) || template instanceof RegExp)
    path = template.toString();
  else return undefined;
  const base = req.baseUrl ?? "";
  if (base === "") return path;
  return path === "/" ? base : base + path;
}

function pathOf(req: ExpressRequest): string {
  const url = req.originalUrl ?? req.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

// Counts what the application writes: Content-Length is absent from streamed responses.
function countBodyBytes(res: ServerResponse): () => number {
  let bytes = 0;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    bytes += sizeOf(args[0], args[1]);
    return write(...args);
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    bytes += sizeOf(args[0], args[1]);
    return end(...args);
  }) as typeof res.end;
  return () => bytes;
}

function sizeOf(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === "string") {
    return Buffer.byteLength(
      chunk,
      typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8",
    );
  }
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}
