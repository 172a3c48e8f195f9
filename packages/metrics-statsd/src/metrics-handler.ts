import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";

/** Options of `PrometheusMetrics.handler()`. */
export interface MetricsHandlerOptions {
  /**
   * When set, requests must carry `Authorization: Bearer <token>`; others get 401.
   * @default the `token` given to `createPrometheusMetrics`, else no protection
   */
  token?: string | undefined;
}

/** A plain Node/Express request handler serving the exposition text. */
export type MetricsHandler = (
  req: IncomingMessage,
  res: ServerResponse,
) => void;

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Compares digests, not strings: constant time, and the token's length does not leak either. */
function authorised(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  const given = digest(match?.[1] ?? "");
  return timingSafeEqual(given, expected) && match !== null;
}

/** Serves `registry` in the Prometheus text format, behind an optional bearer token. */
export function createMetricsHandler(
  registry: Registry,
  token: string | undefined,
): MetricsHandler {
  const expected = token === undefined ? undefined : digest(token);
  return (req, res) => {
    if (expected && !authorised(req.headers.authorization, expected)) {
      res.statusCode = 401;
      res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
      res.setHeader("Content-Type", "text/plain; charset=utf-8");
      res.end("unauthorized\n");
      return;
    }
    registry.metrics().then(
      (body) => {
        res.statusCode = 200;
        res.setHeader("Content-Type", registry.contentType);
        res.setHeader("Cache-Control", "no-store");
        res.end(req.method === "HEAD" ? undefined : body);
      },
      () => {
        res.statusCode = 500;
        res.setHeader("Content-Type", "text/plain; charset=utf-8");
        res.end("metrics collection failed\n");
      },
    );
  };
}
