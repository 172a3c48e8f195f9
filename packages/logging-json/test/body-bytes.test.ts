import { createServer, type RequestListener } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import express, { type RequestHandler } from "express";
import {
  accessLogMiddleware,
  createLogger,
  requestContextMiddleware,
  type Logger,
} from "../src/index.js";
import {
  listen,
  memoryDestination,
  type MemoryDestination,
} from "./helpers.js";

/** Counts the bytes it passes on, as a compression middleware's own `write` would see them. */
function wrapsWrite(seen: { bytes: number }): RequestHandler {
  return (_req, res, next) => {
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => unknown;
    const count = (chunk: unknown): void => {
      if (typeof chunk === "string") seen.bytes += Buffer.byteLength(chunk);
      else if (chunk instanceof Uint8Array) seen.bytes += chunk.byteLength;
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      count(chunk);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      count(chunk);
      return end(chunk, ...rest);
    }) as typeof res.end;
    next();
  };
}

/** Three chunks, one of them multi-byte text, then an end with a fourth. */
const streamed: RequestHandler = (_req, res) => {
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.write("héllo ");
  res.write(Buffer.from("wörld "));
  res.write("x".repeat(70_000));
  res.end("!");
};
const STREAMED_BYTES =
  Buffer.byteLength("héllo ") + Buffer.byteLength("wörld ") + 70_000 + 1;

describe("access log: response body bytes", () => {
  let out: MemoryDestination;
  let logger: Logger;
  let server: { url: string; close: () => Promise<void> } | undefined;

  beforeEach(() => {
    out = memoryDestination();
    logger = createLogger({
      service: { name: "bytes" },
      destination: out.stream,
    });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await logger.close();
  });

  async function get(path: string): Promise<Record<string, unknown>[]> {
    const response = await fetch(`${server!.url}${path}`);
    const text = await response.text();
    expect(response.status).toBe(200);
    await logger.flush();
    const lines = out
      .records()
      .filter((r) => r["url.path"] === path.split("?")[0]);
    expect(text.length).toBeGreaterThan(0);
    return lines;
  }

  /** GETs /stream `times` times: one line each, every one with the whole body counted once. */
  async function streamTimes(times: number, path = "/stream"): Promise<void> {
    for (let i = 1; i <= times; i++) {
      const lines = await get(path);
      expect(lines).toHaveLength(i);
      expect(lines.at(-1)?.["http.response.body.bytes"]).toBe(STREAMED_BYTES);
    }
  }

  it("counts a streamed Express response, request after request", async () => {
    const app = express();
    app.use(requestContextMiddleware());
    app.use(accessLogMiddleware(logger));
    app.get("/stream", streamed);
    server = await listen(app);
    await streamTimes(3);
  });

  it("counts on a bare Node server, whose responses share Node's own prototype", async () => {
    const log = accessLogMiddleware(logger);
    const listener: RequestListener = (req, res) =>
      log(req, res, () => streamed(req as never, res as never, () => {}));
    const plain = createServer(listener);
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const address = plain.address();
    const port = typeof address === "object" && address ? address.port : 0;
    server = {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => plain.close(() => resolve())),
    };
    const lines = await get("/bare");
    expect(lines).toHaveLength(1);
    expect(lines[0]?.["http.response.body.bytes"]).toBe(STREAMED_BYTES);
  });

  it("counts once what passes a write wrapped before it, and after it", async () => {
    const before = { bytes: 0 };
    const after = { bytes: 0 };
    const app = express();
    // The first request patches the app's response prototype; later ones find it patched.
    app.use(wrapsWrite(before));
    app.use(accessLogMiddleware(logger));
    app.use(wrapsWrite(after));
    app.get("/stream", streamed);
    server = await listen(app);
    await streamTimes(2);
    expect(before.bytes).toBe(2 * STREAMED_BYTES);
    expect(after.bytes).toBe(2 * STREAMED_BYTES);
  });

  it("writes one line with the bytes counted once under two access logs", async () => {
    const app = express();
    app.use(accessLogMiddleware(logger));
    app.use(accessLogMiddleware(logger));
    app.get("/stream", streamed);
    server = await listen(app);
    await streamTimes(2);
  });

  it("leaves an ignored path's response whole once the prototype counts", async () => {
    const app = express();
    app.use(accessLogMiddleware(logger, { ignorePaths: ["/quiet"] }));
    app.get("/stream", streamed);
    app.get("/quiet", streamed);
    server = await listen(app);
    await get("/stream");
    const response = await fetch(`${server.url}/quiet`);
    expect(Buffer.byteLength(await response.text())).toBe(STREAMED_BYTES);
    await logger.flush();
    expect(
      out.records().filter((r) => r["url.path"] === "/quiet"),
    ).toHaveLength(0);
  });

  it("counts a response a sub-app hands back to its parent (Express swaps the prototype back)", async () => {
    const sub = express();
    sub.use(accessLogMiddleware(logger));
    const app = express();
    app.use("/sub", sub);
    app.get("/sub/stream", streamed);
    server = await listen(app);
    await streamTimes(2, "/sub/stream");
  });
});
