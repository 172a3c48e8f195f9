/**
 * Peak memory growth of one piece of work, for the store memory benchmarks: the resident set
 * size, the Buffer bytes alive (`process.memoryUsage().arrayBuffers`) and the V8 heap, each
 * over its level just before the work, sampled every 20 ms with garbage collected every
 * `gcEvery` samples (1: before every sample, as the shared store contract's `sampleRss`).
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
  gc();
  const before = process.memoryUsage();
  const peak = {
    rss: before.rss,
    arrayBuffers: before.arrayBuffers,
    heap: before.heapUsed,
  };
  let ticks = 0;
  const sample = (): void => {
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
    peak.heap = Math.max(peak.heap, now.heapUsed);
  };
  const timer = setInterval(() => {
    if (++ticks % gcEvery === 0) gc();
    sample();
  }, 20);
  try {
    await work();
    sample();
  } finally {
    clearInterval(timer);
  }
  return {
    rss: peak.rss - before.rss,
    arrayBuffers: peak.arrayBuffers - before.arrayBuffers,
    heap: peak.heap - before.heapUsed,
  };
}
