import type { Readable } from 'node:stream';

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
      if (at >= buffer.length && !(at === 0 && buffer.length === 0)) return Promise.resolve(undefined);
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
 * stream, and no garbage piles up between collections. A stream error rejects `next()`.
 */
export function streamParts(stream: Readable, partSize: number): PartSource {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const pool: Buffer[] = [];
  let leftover: Buffer | undefined;
  let ended = false;
  let first = true;
  const fill = async (target: Buffer): Promise<number> => {
    let filled = 0;
    while (filled < target.length) {
      let chunk = leftover;
      leftover = undefined;
      if (chunk === undefined) {
        if (ended) break;
        const step = await iterator.next();
        if (step.done === true) {
          ended = true;
          break;
        }
        chunk = step.value;
      }
      const copied = chunk.copy(target, filled);
      filled += copied;
      if (copied < chunk.length) leftover = chunk.subarray(copied);
    }
    return filled;
  };
  return {
    next: async () => {
      const target = pool.pop() ?? Buffer.allocUnsafeSlow(partSize);
      const length = await fill(target);
      // An empty body is one empty part; otherwise an empty read means the end.
      if (length === 0 && !first) {
        pool.push(target);
        return undefined;
      }
      first = false;
      return target.subarray(0, length);
    },
    release: (part) => {
      if (part.buffer.byteLength === partSize) pool.push(Buffer.from(part.buffer, part.byteOffset, partSize));
    },
  };
}
