import { Readable } from "node:stream";
import { StorageError, StorageErrorCode } from "./errors.js";
import type { ByteRange } from "./object-store.js";

/** Reads a stream to the end into one Buffer. */
export async function collect(
  stream: AsyncIterable<Uint8Array | string>,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(
      typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk),
    );
  return Buffer.concat(chunks);
}

/**
 * Resolves a {@link ByteRange} against an object size into inclusive `[start, end]`, the end
 * clipped to the last byte. Throws `E_INVALID_RANGE` when the range starts past the end.
 * An empty object yields `undefined`: there is nothing to read.
 */
export function resolveRange(
  range: ByteRange,
  size: number,
  key?: string,
): { start: number; end: number } | undefined {
  if (size === 0 && range.start === 0) return undefined;
  if (range.start >= size) {
    throw new StorageError(
      StorageErrorCode.InvalidRange,
      `range starts at ${range.start}, past the end of a ${size}-byte object`,
      { key },
    );
  }
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

/** A Readable over a Buffer slice, without copying it. */
export function readableOf(buffer: Buffer): Readable {
  return Readable.from(buffer.length === 0 ? [] : [buffer], {
    objectMode: false,
  });
}
