import { describe, expect, it } from "@jest/globals";
import { Readable } from "node:stream";
import {
  bufferParts,
  streamParts,
  type PartSource,
} from "../src/part-source.js";

const bytes = (n: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => i % 256));

async function drain(source: PartSource, release = true): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for (
    let part = await source.next();
    part !== undefined;
    part = await source.next()
  ) {
    parts.push(Buffer.from(part));
    if (release) source.release(part);
  }
  return parts;
}

const chunked = (data: Buffer, size: number): Readable =>
  Readable.from(
    Array.from({ length: Math.ceil(data.length / size) }, (_, i) =>
      data.subarray(i * size, (i + 1) * size),
    ),
  );

describe("streamParts", () => {
  it.each([
    ["shorter than one part", 7, 3],
    ["exactly one part", 10, 4],
    ["one part and one byte", 11, 4],
    ["many parts from small chunks", 95, 3],
    ["many parts from chunks larger than a part", 95, 23],
  ])(
    "cuts a stream %s into full parts and a shorter last one",
    async (_name, length, chunkSize) => {
      const data = bytes(length);
      const parts = await drain(streamParts(chunked(data, chunkSize), 10));
      expect(Buffer.concat(parts).equals(data)).toBe(true);
      expect(parts.slice(0, -1).every((p) => p.length === 10)).toBe(true);
      expect(parts.at(-1)!.length).toBe(length % 10 === 0 ? 10 : length % 10);
    },
  );

  it("gives an empty stream as one empty part", async () => {
    expect(await drain(streamParts(Readable.from([]), 10))).toEqual([
      Buffer.alloc(0),
    ]);
  });

  it("reuses a released part buffer for a later part", async () => {
    const source = streamParts(chunked(bytes(40), 10), 10);
    await source.next();
    const second = await source.next();
    source.release(second!);
    const third = await source.next();
    expect(third!.buffer).toBe(second!.buffer);
  });

  it("rejects next() when the stream fails", async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error("source broke"));
      },
    });
    await expect(streamParts(failing, 10).next()).rejects.toThrow(
      "source broke",
    );
  });
});

describe("bufferParts", () => {
  it("slices a buffer into views without copying", async () => {
    const data = bytes(25);
    const source = bufferParts(data, 10);
    const first = await source.next();
    expect(first!.buffer).toBe(data.buffer);
    expect([
      first!.length,
      (await source.next())!.length,
      (await source.next())!.length,
      await source.next(),
    ]).toEqual([10, 10, 5, undefined]);
  });

  it("gives an empty buffer as one empty part", async () => {
    expect(await drain(bufferParts(Buffer.alloc(0), 10))).toEqual([
      Buffer.alloc(0),
    ]);
  });
});
