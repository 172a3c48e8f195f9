import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
import {
  accessLogMiddleware,
  createLogger,
  isValidTraceparent,
  requestContextMiddleware,
  type Logger,
} from "../src/index.js";
import {
  listen,
  memoryDestination,
  type MemoryDestination,
} from "./helpers.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe("W3C trace context on the lines of a request", () => {
  let out: MemoryDestination;
  let logger: Logger;
  let server: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    out = memoryDestination();
    logger = createLogger({
      service: { name: "trace-test" },
      destination: out.stream,
    });
    const app = express();
    app.use(requestContextMiddleware());
    app.use(accessLogMiddleware(logger));
    app.get("/work", (_req, res) => {
      logger.info("working", { step: 1 });
      res.send("done");
    });
    server = await listen(app);
  });
  afterAll(async () => {
    await server.close();
    await logger.close();
  });

  async function linesOf(
    headers: Record<string, string>,
  ): Promise<Record<string, unknown>[]> {
    const response = await fetch(`${server.url}/work`, { headers });
    await response.text();
    const requestId = response.headers.get("x-request-id");
    await logger.flush();
    const lines = out.records().filter((r) => r["request_id"] === requestId);
    expect(lines).toHaveLength(2);
    return lines;
  }

  it("puts trace.id and span.id of a valid traceparent on every line, the request id kept", async () => {
    for (const line of await linesOf({ traceparent: VALID })) {
      expect(line).toMatchObject({ "trace.id": TRACE_ID, "span.id": SPAN_ID });
      expect(typeof line["request_id"]).toBe("string");
    }
  });

  it.each([
    ["upper-case hex", VALID.toUpperCase()],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${SPAN_ID}-01`],
    ["an all-zero parent id", `00-${TRACE_ID}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ["a version 00 with an extra field", `${VALID}-extra`],
    ["a short trace id", `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ["garbage", "not a traceparent"],
  ])("ignores a traceparent with %s", async (_name, traceparent) => {
    for (const line of await linesOf({ traceparent })) {
      expect(line).not.toHaveProperty("trace.id");
      expect(line).not.toHaveProperty("span.id");
    }
  });

  it("writes no trace fields without a traceparent", async () => {
    for (const line of await linesOf({})) {
      expect(line).not.toHaveProperty("trace.id");
      expect(line).not.toHaveProperty("span.id");
    }
  });

  it("accepts a later version with more fields, as the spec asks", () => {
    expect(isValidTraceparent(`01-${TRACE_ID}-${SPAN_ID}-01-more`)).toBe(true);
    expect(isValidTraceparent(VALID)).toBe(true);
  });

  it("keeps the trace_id, span_id and trace_flags OpenTelemetry's winston instrumentation adds to a record", async () => {
    // What @opentelemetry/instrumentation-winston does: patch write() to add the fields.
    const winston = logger.winston;
    const write = winston.write.bind(winston);
    winston.write = ((record: Record<string, unknown>) => {
      Object.assign(record, {
        trace_id: TRACE_ID,
        span_id: SPAN_ID,
        trace_flags: "01",
      });
      return write(record);
    }) as typeof winston.write;
    try {
      logger.info("instrumented", { step: 2 });
      await logger.flush();
    } finally {
      winston.write = write;
    }
    expect(
      out.records().find((r) => r["message"] === "instrumented"),
    ).toMatchObject({
      step: 2,
      trace_id: TRACE_ID,
      span_id: SPAN_ID,
      trace_flags: "01",
    });
  });
});
