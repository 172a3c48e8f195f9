import type { Server } from "node:http";
import { Writable } from "node:stream";
import type { Express } from "express";

/** A destination keeping every line written to it. */
export interface MemoryDestination {
  readonly stream: Writable;
  /** The raw lines, without their newline. */
  lines(): string[];
  /** Every line parsed as JSON (throws on the first line that is not JSON). */
  records(): Record<string, unknown>[];
}

/** `slow`: each write is confirmed on a later turn of the event loop, like a busy pipe. */
export function memoryDestination(
  options: { slow?: boolean } = {},
): MemoryDestination {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      if (options.slow === true) setImmediate(callback);
      else callback();
    },
  });
  const lines = (): string[] =>
    chunks
      .join("")
      .split("\n")
      .filter((line) => line !== "");
  return {
    stream,
    lines,
    records: () =>
      lines().map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Starts an Express app on a free loopback port. */
export async function listen(
  app: Express,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const address = server.address();
  if (address === null || typeof address === "string")
    throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
