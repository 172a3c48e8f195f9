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
 * Runs `work` while sampling memory every 20 ms; returns its result and the peak growth over
 * the level measured just before it started, in bytes: `growth` of the resident set size and
 * `buffers` of the Buffer bytes alive (`process.memoryUsage().arrayBuffers`). Garbage is
 * collected before the baseline and every 100 ms, and `buffers` is read only around a
 * collection, so it is what the work holds
 * (a stream that buffers grows by the object's size), not how lazily V8 frees its garbage.
 * V8 frees the memory of dead ArrayBuffers on a background sweeper, so right after a
 * collection `arrayBuffers` may still count tens of MiB of dead chunks (a 200 MiB Swift
 * download read 0–34 MiB after one collection, 0.0–0.1 MiB after a second; a loaded CI
 * machine read 67 MiB, failing a bound of 64). So each collection's figure is the smallest
 * reading from it to the next one (the four samples after it, when the sweeper is done):
 * every reading bounds what is alive from above, and a store that holds its object shows in
 * all of them (measured: 0–6 MiB for that download, 200 MiB for a reader that keeps every
 * chunk). A second collection each time would give the exact figure at twice the cost, in
 * a jest worker whose heap holds every suite it ran.
 * The RSS also keeps what the C allocator has not returned to the system yet: on a 200 MiB
 * S3 put holding 30 MiB of parts, it grew by 25–70 MiB from one run to the next
 * (bench/s3-put-memory.bench.ts), so bounds on it need room above the buffers.
 */
export async function sampleRss<T>(
  work: () => Promise<T>,
): Promise<{ result: T; growth: number; buffers: number }> {
  const gc = garbageCollector();
  gc();
  gc();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakBuffers = before.arrayBuffers;
  // The smallest reading since the last collection: each one bounds what is alive from above.
  let sinceCollection: number | undefined;
  const settle = (): void => {
    if (sinceCollection !== undefined)
      peakBuffers = Math.max(peakBuffers, sinceCollection);
    sinceCollection = undefined;
  };
  const sample = (collected: boolean): void => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    if (collected) {
      settle();
      sinceCollection = now.arrayBuffers;
    } else if (sinceCollection !== undefined) {
      sinceCollection = Math.min(sinceCollection, now.arrayBuffers);
    }
  };
  let ticks = 0;
  const timer = setInterval(() => {
    // RSS at every sample; the live buffers only around a collection (every 100 ms: a
    // collection per sample starved a 1 GiB upload past its timeout), when garbage is gone.
    const collect = ++ticks % 5 === 0;
    if (collect) gc();
    sample(collect);
  }, 20);
  try {
    const result = await work();
    clearInterval(timer);
    // What the work left alive: two collections, so the sweeper of the first is done.
    settle();
    gc();
    gc();
    sample(true);
    settle();
    return {
      result,
      growth: peakRss - before.rss,
      buffers: peakBuffers - before.arrayBuffers,
    };
  } finally {
    clearInterval(timer);
  }
}
