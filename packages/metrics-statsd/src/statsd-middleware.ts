import type { IncomingMessage, ServerResponse } from "node:http";
import { boundedMethod } from "./http-method.js";
import { statsdRouteName } from "./names.js";
import { lineSenders } from "./raw-lines.js";
import {
  requestStartNs,
  responseEndNs,
  routeTemplate,
} from "@cloud-platform/route-template";
import type { Statsd } from "./statsd.js";
import { onFinish } from "./on-finish.js";

/** A connect/Express middleware; also accepted where Express expects a `RequestHandler`. */
export type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

interface RouteNames {
  timing: string;
  status: string;
}

/** Route names are bounded by the app's routes; the cap only guards against surprises. */
const MAX_CACHED_NAMES = 10_000;

/** Milliseconds with microsecond precision: statsd parses decimals, shorter lines travel better. */
function elapsedMs(start: bigint, end: bigint): number {
  return Math.round(Number(end - start) / 1000) / 1000;
}

function routeNamer(
  base: string,
): (method: string, template: string | undefined) => RouteNames {
  // Nested maps: no key string to build per request.
  const byMethod = new Map<string, Map<string | undefined, RouteNames>>();
  let size = 0;
  return (method, template) => {
    let names = byMethod.get(method);
    if (names === undefined) {
      names = new Map();
      byMethod.set(method, names);
    }
    let found = names.get(template);
    if (found === undefined) {
      const timing = `http.route.${base}.${method.toLowerCase()}.${statsdRouteName(template)}`;
      found = { timing, status: `${timing}.status.` };
      if (size < MAX_CACHED_NAMES) {
        names.set(template, found);
        size += 1;
      }
    }
    return found;
  };
}

/**
 * Express middleware sending, when each response finishes:
 * - `<prefix>.http.request.<customer>.<env>`: timing (ms) of every request;
 * - `<prefix>.http.route.<customer>.<env>.<method>.<route>`: timing per route template;
 * - `<prefix>.http.route.<customer>.<env>.<method>.<route>.status.<code>`: counter.
 *
 * `<method>` is lower case (`get`); `<route>` is the matched route template made statsd-safe
 * (`/attachments/:id` → `attachments._id`, `/` → `root`) and `unmatched` when no route
 * matched, so unknown paths never create new names. Install it before the routes.
 * Requests the client aborts before the response finishes are not counted.
 */
export function statsdMiddleware(statsd: Statsd): Middleware {
  const base = `${statsd.customer}.${statsd.environment}`;
  const requestStat = `http.request.${base}`;
  const namesFor = routeNamer(base);
  const lines = lineSenders.get(statsd);
  const p = `${statsd.prefix}.`;
  const record = lines
    ? (ms: number, route: RouteNames, code: number) => {
        lines(
          `${p}${requestStat}:${ms}|ms\n${p}${route.timing}:${ms}|ms\n${p}${route.status}${code}:1|c`,
        );
      }
    : (ms: number, route: RouteNames, code: number) => {
        statsd.timing(requestStat, ms);
        statsd.timing(route.timing, ms);
        statsd.increment(route.status + String(code));
      };
  const finished = (req: IncomingMessage, res: ServerResponse): void => {
    record(
      elapsedMs(requestStartNs(req), responseEndNs(res)),
      namesFor(boundedMethod(req.method), routeTemplate(req)),
      res.statusCode,
    );
  };
  return (req, res, next) => {
    // The request's one clock reading, shared with the access log and Prometheus.
    requestStartNs(req);
    onFinish(res, req, finished);
    next();
  };
}
