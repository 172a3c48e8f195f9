import { createHash, type Hash } from "node:crypto";
import type { Readable } from "node:stream";

/**
 * Pulls chunks from a Node stream one at a time (so memory stays bounded by what the
 * consumer holds) and lets a consumer push back the part of a chunk it did not use.
 */
export class ChunkReader {
  private readonly iterator: AsyncIterator<unknown>;
  private readonly pushedBack: Buffer[] = [];

  constructor(private readonly source: Readable) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The next chunk, or `undefined` at the end; rejects with the stream's error. */
  async next(): Promise<Buffer | undefined> {
    const back = this.pushedBack.pop();
    if (back) return back;
    for (;;) {
      const result: IteratorResult<unknown> = await this.iterator.next();
      if (result.done === true) return undefined;
      const value = result.value;
      const chunk = Buffer.isBuffer(value)
        ? value
        : Buffer.from(value as Uint8Array);
      if (chunk.length > 0) return chunk;
    }
  }

  /** Gives back a chunk: the next `next()` returns it. */
  unshift(chunk: Buffer): void {
    if (chunk.length > 0) this.pushedBack.push(chunk);
  }

  /**
   * Reads until more than `limit` bytes were seen or the stream ended. At the end it answers
   * the bytes; otherwise it pushes them back (uncopied) and answers `undefined`.
   */
  async readAllUpTo(limit: number): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    let length = 0;
    while (length <= limit) {
      const chunk = await this.next();
      if (!chunk) return Buffer.concat(parts, length);
      parts.push(chunk);
      length += chunk.length;
    }
    for (let i = parts.length - 1; i >= 0; i--)
      this.unshift(parts[i] as Buffer);
    return undefined;
  }

  /** Whether the stream has no byte left (reads ahead one chunk and keeps it). */
  async atEnd(): Promise<boolean> {
    const chunk = await this.next();
    if (!chunk) return true;
    this.unshift(chunk);
    return false;
  }

  /** Stops reading and releases the source. */
  destroy(): void {
    if (!this.source.destroyed) this.source.destroy();
  }
}

/** A streamed body: what was sent, its MD5, and the error that broke it, if any. */
export interface MeteredBody {
  stream: ReadableStream<Uint8Array>;
  /** Bytes handed to fetch so far. */
  size: () => number;
  /** Hex MD5 of the bytes sent (call once, after the upload); empty when not hashing. */
  md5: () => string;
  /** The source error that ended the stream, if one did. */
  error: () => Error | undefined;
}

/**
 * Bytes a streamed body hands to fetch before it lets the event loop run. On loopback (and
 * on any link the kernel buffers faster than we produce) every socket write succeeds at once,
 * so source, hash and fetch chain on promises alone: a whole segment went through without a
 * timer, an I/O callback or an idle-time garbage collection in between (a 64 MiB segment
 * blocked the loop for 2 s, and its spent chunks piled up as garbage: memory grew with the
 * segment size).
 */
const YIELD_EVERY = 1024 * 1024;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A web stream for `fetch` that pulls from `reader` only when fetch wants more (no read-ahead
 * beyond one chunk), stops after `limit` bytes, computes the MD5 on the way, and lets the
 * event loop run after every {@link YIELD_EVERY} bytes.
 */
export function meteredBody(
  reader: ChunkReader,
  limit = Number.POSITIVE_INFINITY,
  hashing = true,
): MeteredBody {
  // Not hashed when the caller's MD5 goes as ETag: the server checks it, at no client CPU.
  const hash: Hash | undefined = hashing ? createHash("md5") : undefined;
  let sent = 0;
  let unyielded = 0;
  let failure: Error | undefined;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (sent >= limit) return controller.close();
        let chunk: Buffer | undefined;
        try {
          chunk = await reader.next();
        } catch (error) {
          failure = error instanceof Error ? error : new Error(String(error));
          throw error;
        }
        if (!chunk) return controller.close();
        if (sent + chunk.length > limit) {
          reader.unshift(chunk.subarray(limit - sent));
          chunk = chunk.subarray(0, limit - sent);
        }
        sent += chunk.length;
        hash?.update(chunk);
        controller.enqueue(chunk);
        unyielded += chunk.length;
        if (unyielded >= YIELD_EVERY) {
          unyielded = 0;
          await yieldToEventLoop();
        }
      },
    },
    { highWaterMark: 0 },
  );
  return {
    stream,
    size: () => sent,
    md5: () => hash?.digest("hex") ?? "",
    error: () => failure,
  };
}
