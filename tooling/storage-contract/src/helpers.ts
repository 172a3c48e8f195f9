import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * A deterministic stream of `total` pseudo-random bytes in `chunkSize` chunks, generated on
 * the fly (never held in memory whole). `onChunk` sees every chunk, e.g. to hash it.
 */
export function patternStream(
  total: number,
  options: {
    chunkSize?: number;
    seed?: number;
    onChunk?: (chunk: Buffer) => void;
    failAfter?: number;
  } = {},
): Readable {
  const chunkSize = options.chunkSize ?? 1024 * 1024;
  let state = (options.seed ?? 1) >>> 0 || 1;
  let sent = 0;
  return new Readable({
    highWaterMark: chunkSize,
    read() {
      if (options.failAfter !== undefined && sent >= options.failAfter) {
        this.destroy(new Error("source failed on purpose"));
        return;
      }
      if (sent >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(chunkSize, total - sent);
      const chunk = Buffer.allocUnsafe(n);
      for (let i = 0; i + 4 <= n; i += 4) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        chunk.writeUInt32LE(state >>> 0, i);
      }
      for (let i = n - (n % 4); i < n; i++) chunk[i] = i & 0xff;
      sent += n;
      options.onChunk?.(chunk);
      this.push(chunk);
    },
  });
}

/** SHA-256 of a buffer or a whole stream, in hex. */
export async function sha256Hex(
  data: Buffer | AsyncIterable<Buffer | Uint8Array>,
): Promise<string> {
  const hash = createHash("sha256");
  if (Buffer.isBuffer(data)) return hash.update(data).digest("hex");
  for await (const chunk of data) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * A garbage-collection function even when node runs without `--expose-gc` (jest): a fresh
 * context created after the flag is set has `gc` as a global.
 */
export function garbageCollector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/**
 * Runs `work` while sampling the resident set size every 20 ms; returns its result and the
 * peak RSS growth over the level measured just before it started, in bytes. Garbage is
 * collected before the baseline and every 100 ms, so the figure is what the work holds
 * (a stream that buffers grows by the object's size), not how lazily V8 frees its garbage.
 */
export async function sampleRss<T>(
  work: () => Promise<T>,
): Promise<{ result: T; growth: number }> {
  const gc = garbageCollector();
  gc();
  const before = process.memoryUsage.rss();
  let peak = before;
  let ticks = 0;
  const timer = setInterval(() => {
    if (++ticks % 5 === 0) gc();
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}
