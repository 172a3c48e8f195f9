import { ServerResponse, type IncomingMessage } from "node:http";
import {
  findRequestRecord,
  requestRecord,
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
    const record = requestRecord(req);
    const previous = record.accessLog as Pending | undefined;
    const state: Pending = {
      settings,
      req,
      path,
      start: record.startNs,
      context: getRequestContext(),
      bytes: 0,
      counting: false,
      write: undefined,
      end: undefined,
      logged: false,
    };
    countBytes(res, state, previous);
    record.accessLog = state;
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

/** What one request's line needs, kept in the request's record: no closure per request. */
interface Pending {
  settings: Settings;
  req: ExpressRequest;
  path: string;
  start: bigint;
  context: RequestContext | undefined;
  /** Response body bytes written so far (Content-Length is absent from streamed responses). */
  bytes: number;
  /** True inside a counting wrapper: the wrappers it calls (ours, nested) do not count again. */
  counting: boolean;
  /** The response's own `write`/`end` this request wrapped, when it had to wrap them. */
  write: ServerResponse["write"] | undefined;
  end: ServerResponse["end"] | undefined;
  logged: boolean;
}

type Write = (this: ServerResponse, ...args: unknown[]) => boolean;
type End = (this: ServerResponse, ...args: unknown[]) => ServerResponse;
/** `write` and `end` as values (they are only ever called with a response as `this`). */
interface Methods {
  readonly write: Write;
  readonly end: End;
}

function pendingOf(res: ServerResponse): Pending | undefined {
  return findRequestRecord(res.req)?.accessLog as Pending | undefined;
}

/** Prototypes whose `write`/`end` count the body bytes of every response made from them. */
const COUNTING = Symbol("logging-json.counting-prototype");

/**
 * Counts the body bytes of `res` as they are written. Express gives every response its
 * app's prototype (`app.response`, which inherits from Express's own `response`): the
 * `write` and `end` of the prototype nearest to Node's `ServerResponse.prototype` are
 * wrapped once, so a request adds no property to its response (beyond the first, each
 * one costs about 6 µs per request on Node 20: bench/request-properties.bench.ts), and a response that a sub-app hands back to its parent
 * (Express swaps its prototype again) is still counted. A bare Node response, or one whose
 * `write`/`end` another middleware already replaced, is wrapped on its own.
 */
function countBytes(
  res: ServerResponse,
  state: Pending,
  previous: Pending | undefined,
): void {
  const base = basePrototype(res);
  if (
    base !== undefined &&
    !Object.hasOwn(res, "write") &&
    !Object.hasOwn(res, "end")
  ) {
    if (!Object.hasOwn(base, COUNTING)) countOnPrototype(base);
    return;
  }
  if (res.write === ownWrite && previous !== undefined) {
    // A second access log on the same request: the wrappers are in place already.
    state.write = previous.write;
    state.end = previous.end;
    return;
  }
  // Called back with `Reflect.apply(…, res, …)` by `ownWrite`/`ownEnd`: no bind needed.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  state.write = res.write;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  state.end = res.end;
  res.write = ownWrite as typeof res.write;
  res.end = ownEnd as typeof res.end;
}

/**
 * The prototype of `res` just above `ServerResponse.prototype` (Express's `response`), or
 * undefined when `res` is made from Node's own prototype directly.
 */
function basePrototype(res: ServerResponse): object | undefined {
  let proto = Object.getPrototypeOf(res) as object | null;
  if (proto === null || proto === ServerResponse.prototype) return undefined;
  for (;;) {
    const up = Object.getPrototypeOf(proto) as object | null;
    if (up === null) return undefined;
    if (up === ServerResponse.prototype) return proto;
    proto = up;
  }
}

function countOnPrototype(proto: object): void {
  // The methods the prototype inherits, called back with `Reflect.apply(…, res, …)`.
  const { write, end } = proto as Methods;
  const methods = {
    write(this: ServerResponse, chunk: unknown, encoding: unknown): boolean {
      // eslint-disable-next-line prefer-rest-params
      return counted(this, write, chunk, encoding, arguments) as boolean;
    },
    end(this: ServerResponse, chunk: unknown, encoding: unknown): unknown {
      // eslint-disable-next-line prefer-rest-params
      return counted(this, end, chunk, encoding, arguments);
    },
  };
  for (const [name, value] of Object.entries(methods))
    Object.defineProperty(proto, name, {
      value,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  Object.defineProperty(proto, COUNTING, { value: true });
}

// Shared by every response wrapped on its own: they find their state in their record.
// `arguments` is passed on as it came (Node's own write/end look at how many there are).
function ownWrite(
  this: ServerResponse,
  chunk: unknown,
  encoding: unknown,
): boolean {
  const write =
    (pendingOf(this)?.write as Write | undefined) ??
    (Object.getPrototypeOf(this) as Methods).write;
  // eslint-disable-next-line prefer-rest-params
  return counted(this, write, chunk, encoding, arguments) as boolean;
}

function ownEnd(
  this: ServerResponse,
  chunk: unknown,
  encoding: unknown,
): unknown {
  const end =
    (pendingOf(this)?.end as End | undefined) ??
    (Object.getPrototypeOf(this) as Methods).end;
  // eslint-disable-next-line prefer-rest-params
  return counted(this, end, chunk, encoding, arguments);
}

/** Calls `method`, counting `chunk` unless an outer wrapper of the same call counted it. */
function counted(
  res: ServerResponse,
  method: Write | End,
  chunk: unknown,
  encoding: unknown,
  args: IArguments,
): unknown {
  const state = pendingOf(res);
  if (state === undefined || state.counting)
    return Reflect.apply(method, res, args);
  state.bytes += sizeOf(chunk, encoding);
  state.counting = true;
  try {
    return Reflect.apply(method, res, args);
  } finally {
    state.counting = false;
  }
}

function done(this: ServerResponse): void {
  const state = pendingOf(this);
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
