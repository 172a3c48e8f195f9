import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
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

describe("http.route under a parameterised mount", () => {
  let out: MemoryDestination;
  let logger: Logger;
  let server: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    out = memoryDestination();
    logger = createLogger({
      service: { name: "example", version: "1.0.0", environment: "test" },
      destination: out.stream,
    });
    const app = express();
    app.use(requestContextMiddleware());
    app.use(accessLogMiddleware(logger));
    const files = express.Router({ mergeParams: true });
    files.get("/files/:id", (_req, res) => {
      res.send("ok");
    });
    app.use("/users/:userId", files);
    server = await listen(app);
  });
  afterAll(async () => {
    await server.close();
    await logger.close();
  });

  it("names the route by its templates, as statsd does, never by the raw ids", async () => {
    const response = await fetch(`${server.url}/users/4242/files/77`);
    await response.text();
    const requestId = response.headers.get("x-request-id") ?? "";
    await logger.flush();
    const access = out
      .records()
      .find(
        (r) => r["request_id"] === requestId && r["http.route"] !== undefined,
      );
    expect(access?.["http.route"]).toBe("/users/:userId/files/:id");
    expect(access?.["url.path"]).toBe("/users/4242/files/77");
  });
});
