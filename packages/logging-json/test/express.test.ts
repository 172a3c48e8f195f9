import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express, {
  type NextFunction,
  type Request,
  type Response,
} from "express";
import {
  accessLogMiddleware,
  createLogger,
  requestContextMiddleware,
  setRequestContext,
  type Logger,
} from "../src/index.js";
import { createLibrary } from "./fixtures/library.js";
import {
  listen,
  memoryDestination,
  type MemoryDestination,
} from "./helpers.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function buildApp(logger: Logger): express.Express {
  const library = createLibrary(logger);
  const app = express();
  app.use(requestContextMiddleware());
  app.use(accessLogMiddleware(logger));
  app.use(express.json());
  app.get("/monitoring/status", (_req, res) => {
    res.json({ status: 1 });
  });
  const attachments = express.Router();
  attachments.get("/:id", async (req, res) => {
    setRequestContext({ uid: 7, dbname: "acme" });
    await library.work(req.params["id"]);
    res.json({ id: req.params["id"] });
  });
  app.use("/attachments", attachments);
  app.post("/echo", (req, res) => {
    logger.info("received", {
      url: req.originalUrl,
      headers: req.headers,
      body: req.body as unknown,
      query: req.query,
    });
    res.status(201).send("ok");
  });
  app.get("/fail", () => {
    throw new Error("boom", { cause: new Error("root cause") });
  });
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    logger.error("request failed", error);
    res.status(500).json({ error: "internal" });
  });
  return app;
}

describe("Express middleware with a real server", () => {
  let out: MemoryDestination;
  let logger: Logger;
  let server: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    out = memoryDestination();
    logger = createLogger({
      service: { name: "example", version: "1.0.0", environment: "test" },
      destination: out.stream,
    });
    server = await listen(buildApp(logger));
  });
  afterAll(async () => {
    await server.close();
    await logger.close();
  });

  async function linesOf(
    requestId: string,
  ): Promise<Record<string, unknown>[]> {
    await logger.flush();
    return out.records().filter((r) => r["request_id"] === requestId);
  }

  it("writes an access line with route template, status, bytes, duration, user agent, request id and uid", async () => {
    const response = await fetch(`${server.url}/attachments/12?download=1`, {
      headers: { "user-agent": "jest-agent/1" },
    });
    const body = await response.text();
    const requestId = response.headers.get("x-request-id") ?? "";
    expect(requestId).toMatch(UUID);
    const lines = await linesOf(requestId);
    const access = lines.find((r) => r["http.route"] !== undefined);
    expect(access).toMatchObject({
      "log.level": "info",
      "http.request.method": "GET",
      "http.route": "/attachments/:id",
      "url.path": "/attachments/12",
      "http.response.status_code": 200,
      "http.response.body.bytes": Buffer.byteLength(body),
      "user_agent.original": "jest-agent/1",
      uid: 7,
      dbname: "acme",
    });
    expect(access?.["event.duration"]).toEqual(expect.any(Number));
    expect(lines.filter((r) => r["log.logger"] === "library")).toHaveLength(3);
  });

  it("collapses unmatched paths, skips /monitoring/status and logs 5xx at error with the cause chain", async () => {
    const missing = await fetch(`${server.url}/no/such/path`);
    const status = await fetch(`${server.url}/monitoring/status`);
    const failed = await fetch(`${server.url}/fail`);
    const [missingLines, statusLines, failedLines] = await Promise.all(
      [missing, status, failed].map((r) =>
        linesOf(r.headers.get("x-request-id") ?? ""),
      ),
    );
    expect(missingLines).toEqual([
      expect.objectContaining({
        "http.route": "unmatched",
        "http.response.status_code": 404,
      }),
    ]);
    expect(statusLines).toEqual([]);
    expect(failedLines).toContainEqual(
      expect.objectContaining({
        "log.level": "error",
        "http.response.status_code": 500,
      }),
    );
    expect(failedLines).toContainEqual(
      expect.objectContaining({
        message: "request failed",
        error: expect.objectContaining({
          causes: [expect.objectContaining({ message: "root cause" })],
        }),
      }),
    );
  });

  it("keeps a safe incoming X-Request-Id and replaces an unsafe one with a new UUID", async () => {
    const safe = await fetch(`${server.url}/attachments/1`, {
      headers: { "x-request-id": "edge-42.a_b" },
    });
    const tooLong = await fetch(`${server.url}/attachments/2`, {
      headers: { "x-request-id": "a".repeat(129) },
    });
    const forged = await fetch(`${server.url}/attachments/3`, {
      headers: { "x-request-id": 'x" "log.level":"error' },
    });
    expect(safe.headers.get("x-request-id")).toBe("edge-42.a_b");
    expect(tooLong.headers.get("x-request-id")).toMatch(UUID);
    expect(forged.headers.get("x-request-id")).toMatch(UUID);
    expect(await linesOf("edge-42.a_b")).toHaveLength(4);
  });

  it("never writes secrets planted in the body, headers and query", async () => {
    const planted = [
      "pl4nted-1",
      "pl4nted-2",
      "pl4nted-3",
      "pl4nted-4",
      "pl4nted-5",
      "pl4nted-6",
      "pl4nted-7",
      "pl4nted-8",
    ];
    const response = await fetch(
      `${server.url}/echo?token=${planted[0]}&api_key=${planted[1]}&page=2`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${planted[2]}`,
          cookie: `session=${planted[3]}`,
          "x-api-key": planted[4] ?? "",
          "content-type": "application/json",
        },
        body: JSON.stringify({
          login: "alice",
          password: planted[5],
          nested: {
            client_secret: planted[6],
            list: [{ accessToken: planted[7] }],
          },
        }),
      },
    );
    expect(response.status).toBe(201);
    const lines = await linesOf(response.headers.get("x-request-id") ?? "");
    const received = lines.find((r) => r["message"] === "received");
    expect(received).toMatchObject({
      body: { login: "alice", password: "[REDACTED]" },
      query: { page: "2" },
    });
    const all = out.lines().join("\n");
    for (const secret of planted) expect(all).not.toContain(secret);
  });

  it("never mixes request ids across 200 interleaved concurrent requests", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `concurrent-${i}`);
    const responses = await Promise.all(
      ids.map((id, i) =>
        fetch(`${server.url}/attachments/m${i}`, {
          headers: { "x-request-id": id },
        }),
      ),
    );
    expect(responses.map((r) => r.headers.get("x-request-id"))).toEqual(ids);
    await Promise.all(responses.map((r) => r.text()));
    await logger.flush();
    const records = out
      .records()
      .filter((r) => String(r["request_id"]).startsWith("concurrent-"));
    expect(records).toHaveLength(200 * 4);
    for (const record of records) {
      const marker =
        typeof record["marker"] === "string"
          ? record["marker"]
          : String(record["url.path"]).replace("/attachments/", "");
      expect(record["request_id"]).toBe(`concurrent-${marker.slice(1)}`);
    }
  });
});
