/**
 * Memory of one streamed Static Large Object upload on the local Swift (tempauth), by segment
 * size: the peak growth of the resident set size and of `process.memoryUsage().arrayBuffers`
 * (the Buffer bytes alive) over the level just before the put, read after two garbage
 * collections (bench/lib/memory.ts). A streamed upload must hold a few chunks, whatever the
 * segment size: the ratio column compares each segment size with the smallest one, measured
 * side by side in this run.
 *
 * Run: `node --import tsx bench/swift-put-memory.bench.ts` (after building storage-core and
 * storage-swift), under another Node with `bash scripts/with-node.sh 24.22.3 node --import tsx …`.
 */
import { pathToFileURL } from "node:url";
import { loadavg } from "node:os";
import { createSwiftStore } from "@cloud-platform/storage-swift";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import { patternStream } from "../tooling/storage-contract/src/helpers.js";
import { sampleMemory, type MemoryPeak } from "./lib/memory.js";

const MiB = 1024 * 1024;
const TOTAL = Number(process.env["BENCH_TOTAL_MIB"] ?? 200) * MiB;
const SEGMENTS = (process.env["BENCH_SEGMENT_MIB"] ?? "8,64")
  .split(",")
  .map((s) => Number(s) * MiB);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 2);

type Peak = MemoryPeak;

const mb = (n: number): string => (n / MiB).toFixed(1);

async function main(): Promise<void> {
  const ep = testEndpoints();
  const auth = {
    type: "tempauth" as const,
    authUrl: ep.swiftV1.authUrl,
    user: ep.swiftV1.user,
    key: ep.swiftV1.key,
  };
  const rows: Array<{ segment: number; peaks: Peak[] }> = SEGMENTS.map(
    (segment) => ({ segment, peaks: [] }),
  );
  const container = uniqueName("bench-put-memory");
  const stores = SEGMENTS.map((segmentSize) =>
    createSwiftStore({
      container,
      auth,
      createContainer: true,
      segmentSize,
      largeObjectThreshold: Math.min(...SEGMENTS),
    }),
  );
  await stores[0]!.put("init", "");
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, row] of rows.entries()) {
      const store = stores[i]!;
      const key = `large/${round}-${i}`;
      row.peaks.push(
        await sampleMemory(() => store.put(key, patternStream(TOTAL)), 5),
      );
      await store.delete(key);
    }
  }
  await stores[0]!.delete("init");
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
  };
  const base = median(rows[0]!.peaks.map((p) => p.rss));
  console.log(
    `Node ${process.version}, ${mb(TOTAL)} MiB streamed put, ${ROUNDS} rounds, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    "| segment | RSS growth (MiB) | arrayBuffers growth (MiB) | RSS ratio to first |",
  );
  console.log("|---|---|---|---|");
  for (const row of rows) {
    const rss = median(row.peaks.map((p) => p.rss));
    console.log(
      `| ${mb(row.segment)} MiB | ${row.peaks.map((p) => mb(p.rss)).join(" / ")} | ${row.peaks
        .map((p) => mb(p.arrayBuffers))
        .join(" / ")} | ${(rss / base).toFixed(2)} |`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
