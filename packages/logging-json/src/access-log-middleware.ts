import type { IncomingMessage, ServerResponse } from "node:http";
import {
  requestStartNs,
  responseEndNs,
  routeTemplate,
} from "@cloud-platform/route-template";
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
  const settings: Settings = {
    logger,
    skip: options.skip,
    unmatched: options.unmatchedRoute ?? "unmatched",
  };
  return (req, res, next) => {
    const path = pathOf(req);
    if (ignored.has(trimSlash(path))) {
      next();
      return;
    }
    const state: Pending = {
      settings,
      req,
      path,
      start: requestStartNs(req),
      context: getRequestContext(),
      bytes: 0,
      // Called back with `call(res, …)` by the shared counting functions: no bind needed.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      write: res.write,
      // eslint-disable-next-line @typescript-eslint/unbound-method
      end: res.end,
      logged: false,
    };
    (res as Tracked)[STATE] = state;
    res.write = countingWrite as typeof res.write;
    res.end = countingEnd as typeof res.end;
    // `on`, not `once`: `done` runs its line once by itself, and `once` makes two wrappers.
    res.on("finish", done);
    res.on("close", done);
    next();
  };
}

interface Settings {
  logger: Pick<Logger, "info" | "error">;
  skip: AccessLogOptions["skip"];
  unmatched: string;
}

/** What one request's line needs, kept on the response: no closure per request. */
interface Pending {
  settings: Settings;
  req: ExpressRequest;
  path: string;
  start: bigint;
  context: RequestContext | undefined;
  /** Response body bytes written so far (Content-Length is absent from streamed responses). */
  bytes: number;
  write: ServerResponse["write"];
  end: ServerResponse["end"];
  logged: boolean;
}

const STATE = Symbol("logging-json.access-log");

interface Tracked extends ServerResponse {
  [STATE]?: Pending;
}

type Write = (this: ServerResponse, ...args: unknown[]) => boolean;
type End = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

// Shared by every response: they find their state on `this`. `arguments` is passed on as
// it came (Node's own write/end look at how many there are), without a rest array.
function countingWrite(
  this: Tracked,
  chunk: unknown,
  encoding: unknown,
): boolean {
  const state = this[STATE];
  if (state === undefined) return false;
  state.bytes += sizeOf(chunk, encoding);
  // eslint-disable-next-line prefer-rest-params
  return Reflect.apply(state.write as Write, this, arguments) as boolean;
}

function countingEnd(
  this: Tracked,
  chunk: unknown,
  encoding: unknown,
): ServerResponse {
  const state = this[STATE];
  if (state === undefined) return this;
  state.bytes += sizeOf(chunk, encoding);
  // eslint-disable-next-line prefer-rest-params
  return Reflect.apply(state.end as End, this, arguments) as ServerResponse;
}

function done(this: Tracked): void {
  const state = this[STATE];
  if (state === undefined || state.logged) return;
  state.logged = true;
  if (state.settings.skip?.(state.req, this) === true) return;
  writeLine(state, this);
}

function writeLine(line: Pending, res: ServerResponse): void {
  const { req } = line;
  const nanoseconds = Number(responseEndNs(res) - line.start);
  const method = req.method ?? "GET";
  const status = res.statusCode;
  const aborted = !res.writableFinished;
  const fields: Record<string, unknown> = {
    "http.request.method": method,
    "http.route": routeOf(req) ?? line.settings.unmatched,
    "url.path": line.path,
    "http.response.status_code": status,
    "http.response.body.bytes": line.bytes,
    "event.duration": nanoseconds,
    "user_agent.original": req.headers["user-agent"],
    request_id: line.context?.requestId,
    uid: line.context?.uid,
    dbname: line.context?.dbname,
    "trace.id": line.context?.traceId,
    "span.id": line.context?.spanId,
  };
  if (aborted) fields["event.outcome"] = "unknown";
  const message = `${method} ${line.path} ${status}${aborted ? " (client went away)" : ""} ${(nanoseconds / 1e6).toFixed(1)}ms`;
  const { logger } = line.settings;
  if (status >= 500) logger.error(message, fields);
  else logger.info(message, fields);
}

// One naming with metrics-statsd: mount templates, never the raw ids of req.baseUrl.
function routeOf(req: ExpressRequest): string | undefined {
  return routeTemplate(req);
}

function pathOf(req: ExpressRequest): string {
  const url = req.originalUrl ?? req.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
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
