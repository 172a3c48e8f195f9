import { Writable } from "node:stream";
import { describe, expect, it } from "@jest/globals";
import winston from "winston";
import {
  createLogger,
  isLoggingError,
  LoggingErrorCode,
  runWithRequestContext,
  setRequestContext,
} from "../src/index.js";
import { memoryDestination } from "./helpers.js";

const service = { name: "example", version: "1.2.3", environment: "test" };

describe("createLogger", () => {
  it("writes ECS fields as one JSON object per line", async () => {
    const out = memoryDestination();
    const logger = createLogger({ service, destination: out.stream });
    logger.info("hello", { attachment: { id: 42, tags: ["a"] } });
    await logger.flush();
    const [line] = out.records();
    expect(out.lines()).toHaveLength(1);
    expect(line).toMatchObject({
      "log.level": "info",
      message: "hello",
      "process.pid": process.pid,
      "service.name": "example",
      "service.version": "1.2.3",
      "service.environment": "test",
      attachment: { id: 42, tags: ["a"] },
    });
    expect(Date.parse(String(line?.["@timestamp"]))).not.toBeNaN();
    expect(line).not.toHaveProperty("level");
  });

  it("keeps every line, in order, across the moments winston's own streams carry them", async () => {
    const out = memoryDestination();
    const logger = createLogger({ service, destination: out.stream });
    // Written before winston's pipe flows (it starts on the next tick): queued in winston.
    logger.info("line 1");
    logger.info("line 2");
    await new Promise((resolve) => setImmediate(resolve));
    logger.info("line 3");
    // A transport added later receives the lines that follow, as winston's API promises.
    const added: string[] = [];
    // A real winston transport: the Stream transport writes each info object to the stream.
    const transport = new winston.transports.Stream({
      stream: new Writable({
        objectMode: true,
        write(record: { message: string }, _encoding, callback) {
          added.push(record.message);
          callback();
        },
      }),
    });
    // winston's typings name TransportStream through winston-transport's own declaration.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    logger.winston.add(transport);
    logger.info("line 4");
    await logger.flush();
    expect(out.records().map((r) => r["message"])).toEqual([
      "line 1",
      "line 2",
      "line 3",
      "line 4",
    ]);
    // (The flush marker, an empty message, travels to every transport too.)
    expect(added.filter((m) => m !== "")).toEqual(["line 4"]);
  });

  it("names child loggers in log.logger, dotted, with their bound fields", async () => {
    const out = memoryDestination();
    const logger = createLogger({ service, destination: out.stream });
    logger
      .child({ component: "storage", bucket: "b1" })
      .child({ component: "s3" })
      .warn("slow");
    logger.info("root");
    await logger.flush();
    const [child, root] = out.records();
    expect(child).toMatchObject({
      "log.logger": "storage.s3",
      bucket: "b1",
      "log.level": "warn",
    });
    expect(root).not.toHaveProperty("log.logger");
  });

  it("writes an error with its type, message, stack, code and cause chain", async () => {
    const out = memoryDestination();
    const logger = createLogger({ service, destination: out.stream });
    const root = Object.assign(new RangeError("disk full"), { code: "ENOSPC" });
    const middle = new TypeError("write failed", { cause: root });
    logger.error(
      "upload failed",
      new Error("could not store", { cause: middle }),
    );
    logger.error(new Error("as the message"));
    await logger.flush();
    const [first, second] = out.records();
    expect(first?.["error"]).toMatchObject({
      type: "Error",
      message: "could not store",
      stack_trace: expect.stringContaining("could not store") as unknown,
      causes: [
        { type: "TypeError", message: "write failed" },
        { type: "RangeError", message: "disk full", code: "ENOSPC" },
      ],
    });
    expect(second).toMatchObject({
      message: "as the message",
      error: { message: "as the message" },
    });
  });

  it("stops a cyclic cause chain instead of looping", async () => {
    const out = memoryDestination();
    const logger = createLogger({ service, destination: out.stream });
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    Object.defineProperty(a, "cause", { value: b });
    logger.error("cycle", { err: a });
    await logger.flush();
    expect(out.records()[0]?.["error"]).toMatchObject({
      message: "a",
      causes: [{ message: "b" }],
    });
  });

  it("adds request_id, uid and dbname inside a request context", async () => {
    const out = memoryDestination();
    const logger = createLogger({ service, destination: out.stream });
    await runWithRequestContext({ requestId: "req-1" }, async () => {
      logger.info("before login");
      await Promise.resolve();
      setRequestContext({ uid: 7, dbname: "acme" });
      logger.info("after login");
    });
    logger.info("outside");
    await logger.flush();
    const [before, after, outside] = out.records();
    expect(before).toMatchObject({ request_id: "req-1" });
    expect(before).not.toHaveProperty("uid");
    expect(after).toMatchObject({
      request_id: "req-1",
      uid: 7,
      dbname: "acme",
    });
    expect(outside).not.toHaveProperty("request_id");
  });

  it("lets a call field win over the request context, without a duplicate key", async () => {
    const out = memoryDestination();
    const logger = createLogger({ service, destination: out.stream });
    runWithRequestContext({ requestId: "req-3", uid: 1 }, () => {
      logger.info("first");
      logger.info("second", { uid: 2 });
    });
    await logger.flush();
    const [, second] = out.lines();
    expect(second?.match(/"uid":/g)).toHaveLength(1);
    expect(out.records().map((r) => r["uid"])).toEqual([1, 2]);
  });

  it("does not let fields forge the fields the line writes itself", async () => {
    const out = memoryDestination();
    const logger = createLogger({ service, destination: out.stream });
    logger.info("real", {
      message: "forged",
      "service.name": "other",
      "@timestamp": "yesterday",
    });
    await logger.flush();
    const raw = out.lines()[0] ?? "";
    expect(raw.match(/"message":/g)).toHaveLength(1);
    expect(out.records()[0]).toMatchObject({
      message: "real",
      "service.name": "example",
      "field.message": "forged",
    });
  });

  it("writes non-object values of ECS object names under their ECS leaf, so Elasticsearch mappings never clash", async () => {
    const out = memoryDestination();
    const logger = createLogger({ service, destination: out.stream });
    logger.info("clash", {
      url: "/x?page=2",
      event: "login",
      error: "timeout",
      service: "storage",
      user: { id: 7 },
    });
    await logger.flush();
    expect(out.records()[0]).toMatchObject({
      "url.original": "/x?page=2",
      "event.action": "login",
      "error.message": "timeout",
      "field.service": "storage",
      user: { id: 7 },
      "service.name": "example",
    });
  });

  it("drops lines below the level", async () => {
    const out = memoryDestination();
    const logger = createLogger({
      service,
      destination: out.stream,
      level: "warn",
    });
    logger.debug("no");
    logger.info("no");
    logger.warn("yes");
    await logger.flush();
    expect(out.records().map((r) => r["message"])).toEqual(["yes"]);
    expect(logger.isLevelEnabled("info")).toBe(false);
  });

  it("writes one readable line per event when json is off", async () => {
    const out = memoryDestination();
    const logger = createLogger({
      service,
      destination: out.stream,
      json: false,
    });
    runWithRequestContext({ requestId: "req-2", uid: 3 }, () => {
      logger.child({ component: "http" }).error("two\nlines", {
        err: new Error("boom", { cause: new Error("root") }),
        password: "hunter2",
      });
    });
    await logger.flush();
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\S+Z ERROR example@1\.2\.3\/test \[\d+\] http: two\\nlines request_id=req-2 uid=3 /,
    );
    expect(lines[0]).toContain('"causes":[{"type":"Error","message":"root"');
    expect(lines[0]).toContain("password=[REDACTED]");
    expect(lines[0]).not.toContain("hunter2");
  });

  it("resolves flush only once the destination has every line", async () => {
    const out = memoryDestination({ slow: true });
    const logger = createLogger({ service, destination: out.stream });
    for (let i = 0; i < 500; i++) logger.info("line", { i });
    await logger.flush();
    expect(out.lines()).toHaveLength(500);
  });

  it("closes a destination whose write never calls back (jest wraps stdout so)", async () => {
    const out = memoryDestination();
    const write = out.stream.write.bind(out.stream);
    // What jest's reporter does to process.stdout: buffer the chunk, drop the callback.
    out.stream.write = ((chunk: string) => write(chunk)) as typeof write;
    const logger = createLogger({ service, destination: out.stream });
    logger.info("kept");
    await logger.close();
    expect(out.records().map((r) => r["message"])).toEqual(["kept"]);
  });

  it("drops lines after close without ending the destination", async () => {
    const out = memoryDestination();
    const logger = createLogger({ service, destination: out.stream });
    logger.info("kept");
    await Promise.all([logger.close(), logger.close()]);
    logger.info("dropped");
    await logger.close();
    expect(out.records().map((r) => r["message"])).toEqual(["kept"]);
    expect(out.stream.writableEnded).toBe(false);
  });

  it("rejects a missing service name and an unknown level with typed errors", () => {
    const destination = memoryDestination().stream;
    const noName = (): unknown =>
      createLogger({ service: { name: " " }, destination });
    const badLevel = (): unknown =>
      createLogger({ service, destination, level: "loud" as never });
    for (const make of [noName, badLevel]) {
      let caught: unknown;
      try {
        make();
      } catch (error) {
        caught = error;
      }
      expect(isLoggingError(caught, LoggingErrorCode.InvalidOption)).toBe(true);
    }
  });
});

describe("a failing destination", () => {
  it("never crashes the application and still lets flush resolve", async () => {
    const broken = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error("disk gone"));
      },
    });
    const stderr: string[] = [];
    const logger = createLogger({ service, destination: broken });
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string) => stderr.push(chunk) > 0;
    try {
      logger.info("first");
      await logger.flush();
    } finally {
      process.stderr.write = write;
    }
    expect(stderr.join("")).toContain(
      "log destination failed, lines may be lost: disk gone",
    );
  });
});
