/**
 * Peak memory growth of one piece of work, for the store memory benchmarks: the resident set
 * size, the Buffer bytes alive (`process.memoryUsage().arrayBuffers`) and the V8 heap, each
 * over its level just before the work. The RSS is read every 20 ms; the Buffer bytes and the
 * heap every `gcEvery` readings (1: every reading), right after garbage collection.
 *
 * Two collections each time: V8 frees dead ArrayBuffers on a background sweeper that only the
 * next collection waits for, so a reading after one collection still counts chunks already
 * dead (0–34 MiB of a 200 MiB download against 0.0–0.1 MiB after two, measured for the shared
 * store contract's `sampleRss`, which avoids the second collection to stay cheap in tests).
 */
import { garbageCollector } from "../../tooling/storage-contract/src/helpers.js";

/** Peak growth over the level before the work, in bytes. */
export interface MemoryPeak {
  rss: number;
  arrayBuffers: number;
  heap: number;
}

export async function sampleMemory(
  work: () => Promise<unknown>,
  gcEvery = 1,
): Promise<MemoryPeak> {
  const gc = garbageCollector();
  const collect = (): void => {
    gc();
    gc();
  };
  collect();
  const before = process.memoryUsage();
  const peak = {
    rss: before.rss,
    arrayBuffers: before.arrayBuffers,
    heap: before.heapUsed,
  };
  const sample = (collected: boolean): void => {
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    if (!collected) return;
    peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
    peak.heap = Math.max(peak.heap, now.heapUsed);
  };
  let ticks = 0;
  const timer = setInterval(() => {
    const collecting = ++ticks % gcEvery === 0;
    if (collecting) collect();
    sample(collecting);
  }, 20);
  try {
    await work();
    sample(false);
  } finally {
    clearInterval(timer);
  }
  return {
    rss: peak.rss - before.rss,
    arrayBuffers: peak.arrayBuffers - before.arrayBuffers,
    heap: peak.heap - before.heapUsed,
  };
}
