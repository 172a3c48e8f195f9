/**
 * Memory of one streamed multipart upload of unknown length on the local Swift's S3 API, by
 * part size × parts in flight: the peak growth of the resident set size, of
 * `process.memoryUsage().arrayBuffers` (the Buffer bytes alive) and of the V8 heap over the
 * level just before the put, read after two garbage collections (bench/lib/memory.ts).
 * Its buffers are about `partSize × (queueSize + 2)` (the pool, plus the first part); the
 * column "expected" shows that figure beside what was measured.
 *
 * Run: `node --expose-gc --import tsx bench/s3-put-memory.bench.ts` (after the build), under
 * another Node with `bash scripts/with-node.sh 24.22.3 node --expose-gc --import tsx …`.
 * Env: BENCH_TOTAL_MIB (200), BENCH_PARTS ("8x4,8x2,5x4": MiB × queue size), BENCH_ROUNDS (2),
 * BENCH_GC_EVERY (1: garbage collected at every 20 ms sample).
 */
import { pathToFileURL } from "node:url";
import { loadavg } from "node:os";
import { createS3Store } from "@cloud-platform/storage-s3";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import { patternStream } from "../tooling/storage-contract/src/helpers.js";
import { sampleMemory, type MemoryPeak } from "./lib/memory.js";

const MiB = 1024 * 1024;
const TOTAL = Number(process.env["BENCH_TOTAL_MIB"] ?? 200) * MiB;
const SETTINGS = (process.env["BENCH_PARTS"] ?? "8x4,8x2,5x4")
  .split(",")
  .map((s) => {
    const [part, queue] = s.split("x").map(Number);
    return { partSize: (part ?? 8) * MiB, queueSize: queue ?? 4 };
  });
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 2);
/** Garbage is collected every this many 20 ms samples (the contract's sampler). */
const GC_EVERY = Number(process.env["BENCH_GC_EVERY"] ?? 1);

type Peak = MemoryPeak;

const mb = (n: number): string => (n / MiB).toFixed(1);

async function main(): Promise<void> {
  const s3 = testEndpoints().s3;
  const bucket = uniqueName("bench-s3-memory");
  const stores = SETTINGS.map((multipart) =>
    createS3Store({
      bucket,
      createBucket: true,
      multipart,
      clientConfig: {
        endpoint: s3.endpoint,
        region: s3.region,
        credentials: {
          accessKeyId: s3.accessKeyId,
          secretAccessKey: s3.secretAccessKey,
        },
      },
    }),
  );
  const rows = SETTINGS.map((setting) => ({ setting, peaks: [] as Peak[] }));
  await stores[0]!.put("init", "");
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, row] of rows.entries()) {
      const key = `large/${round}-${i}`;
      row.peaks.push(
        await sampleMemory(
          () => stores[i]!.put(key, patternStream(TOTAL)),
          GC_EVERY,
        ),
      );
      await stores[i]!.delete(key);
    }
  }
  await stores[0]!.delete("init");
  console.log(
    `Node ${process.version}, ${mb(TOTAL)} MiB streamed multipart put (unknown length), ${ROUNDS} rounds, gc every ${GC_EVERY * 20} ms, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    "| part × in flight | expected buffers (MiB) | RSS growth (MiB) | arrayBuffers growth (MiB) | heap growth (MiB) |",
  );
  console.log("|---|---:|---|---|---|");
  for (const { setting, peaks } of rows) {
    const list = (pick: (p: Peak) => number): string =>
      peaks.map((p) => mb(pick(p))).join(" / ");
    console.log(
      `| ${mb(setting.partSize)} MiB × ${setting.queueSize} | ${mb(setting.partSize * (setting.queueSize + 2))} | ${list((p) => p.rss)} | ${list((p) => p.arrayBuffers)} | ${list((p) => p.heap)} |`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
