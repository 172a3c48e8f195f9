import { EventEmitter } from "node:events";
import { describe, expect, it } from "@jest/globals";
import { createLogger, installProcessHandlers } from "../src/index.js";
import { memoryDestination } from "./helpers.js";

function setup(options: { exitOnSignal?: boolean } = {}) {
  const out = memoryDestination({ slow: true });
  const logger = createLogger({
    service: { name: "handlers" },
    destination: out.stream,
  });
  const proc = new EventEmitter();
  const exits: number[] = [];
  let exited: () => void = () => undefined;
  const exitedOnce = new Promise<void>((resolve) => (exited = resolve));
  const uninstall = installProcessHandlers(logger, {
    ...options,
    process: proc as unknown as NodeJS.Process,
    exit: (code) => {
      exits.push(code);
      exited();
    },
  });
  return { out, logger, proc, exits, exitedOnce, uninstall };
}

describe("installProcessHandlers with an injected process", () => {
  it("exits only after every earlier line reached the destination", async () => {
    const { out, logger, proc, exits, exitedOnce } = setup();
    for (let i = 0; i < 200; i++) logger.info("before");
    proc.emit("uncaughtException", new Error("fatal"), "uncaughtException");
    await exitedOnce;
    expect(exits).toEqual([1]);
    expect(out.lines()).toHaveLength(201);
    expect(out.records().at(-1)).toMatchObject({
      message: "uncaught exception, exiting",
      error: { message: "fatal" },
    });
  });

  it("only flushes on a signal when exitOnSignal is false", async () => {
    const { out, logger, proc, exits } = setup({ exitOnSignal: false });
    proc.emit("SIGTERM", "SIGTERM");
    await logger.flush();
    expect(exits).toEqual([]);
    expect(out.records().map((r) => r["process.signal"])).toEqual(["SIGTERM"]);
  });

  it("removes every listener when uninstalled", () => {
    const { proc, uninstall } = setup();
    expect(proc.listenerCount("SIGTERM")).toBe(1);
    uninstall();
    for (const event of [
      "uncaughtException",
      "unhandledRejection",
      "SIGTERM",
      "SIGINT",
    ]) {
      expect(proc.listenerCount(event)).toBe(0);
    }
  });
});
