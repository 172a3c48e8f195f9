import type { Readable } from "node:stream";

/** Hands out the parts of an upload body, one at a time. */
export interface PartSource {
  /** The next part (`partSize` bytes, the last one shorter), or `undefined` at the end. */
  next(): Promise<Buffer | undefined>;
  /** Gives back a part whose upload finished, so its memory is reused. */
  release(part: Buffer): void;
}

/** Parts of a buffer: views, no copy. */
export function bufferParts(buffer: Buffer, partSize: number): PartSource {
  let at = 0;
  return {
    next: () => {
      if (at >= buffer.length && !(at === 0 && buffer.length === 0))
        return Promise.resolve(undefined);
      const part = buffer.subarray(at, at + partSize);
      at += partSize;
      return Promise.resolve(part);
    },
    release: () => undefined,
  };
}

/**
 * Parts of a stream, copied into a pool of `partSize` buffers that are reused once their
 * part is uploaded: memory stays at (parts in flight + 1) × partSize however long the
 * stream, and no garbage piles up between collections. A stream shorter than one part is
 * returned as one small buffer, without taking a part buffer. A stream error rejects `next()`.
 */
export function streamParts(stream: Readable, partSize: number): PartSource {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const pool: Buffer[] = [];
  // Only buffers this source allocated go back to the pool, never views of caller memory.
  const owned = new WeakSet<ArrayBufferLike>();
  let leftover: Buffer | undefined;
  let ended = false;
  const read = async (): Promise<Buffer | undefined> => {
    const chunk = leftover;
    leftover = undefined;
    if (chunk !== undefined || ended) return chunk;
    const step = await iterator.next();
    if (step.done === true) {
      ended = true;
      return undefined;
    }
    return step.value;
  };
  const fill = async (target: Buffer, filled: number): Promise<number> => {
    while (filled < target.length) {
      const chunk = await read();
      if (chunk === undefined) break;
      const copied = chunk.copy(target, filled);
      filled += copied;
      if (copied < chunk.length) leftover = chunk.subarray(copied);
    }
    return filled;
  };
  /** The first part: chunks are only collected until they reach a full part. */
  const first = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    let length = 0;
    for (
      let chunk = await read();
      chunk !== undefined;
      chunk = length < partSize ? await read() : undefined
    ) {
      chunks.push(chunk);
      length += chunk.length;
    }
    const whole = Buffer.concat(chunks, length);
    if (length > partSize) leftover = whole.subarray(partSize);
    return whole.subarray(0, partSize);
  };
  let started = false;
  return {
    next: async () => {
      if (!started) {
        started = true;
        return first();
      }
      const target = pool.pop() ?? Buffer.allocUnsafeSlow(partSize);
      owned.add(target.buffer);
      const length = await fill(target, 0);
      if (length === 0) {
        pool.push(target);
        return undefined;
      }
      return target.subarray(0, length);
    },
    release: (part) => {
      if (owned.has(part.buffer))
        pool.push(Buffer.from(part.buffer, 0, partSize));
    },
  };
}
