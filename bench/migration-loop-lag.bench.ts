/**
 * How long a migration holds the event loop of the process that serves while it migrates
 * (issue #16: the live probe must answer throughout). Two tables:
 * - proving in-memory files (SHA-256 + MD5 of 8 MiB, 4 at once, as the migration does), the
 *   whole buffer at once against 1 MiB slices with a turn of the loop between, side by side;
 * - a real migration of 8 MiB files (filestore → a filesystem store standing in for a
 *   bucket, SQLite index), the loop delay measured by `monitorEventLoopDelay` meanwhile.
 *
 * Run: `node --import tsx bench/migration-loop-lag.bench.ts` (about a minute).
 */
import { createHash, randomBytes, type Hash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setImmediate } from "node:timers/promises";
import {
  createAttachments,
  createFilesystemStore,
  type ObjectStore,
} from "@cloud-platform/storage-core";
import { createDatabaseStore, openIndex } from "@cloud-platform/storage-sql";

const MiB = 1024 * 1024;
const ROUNDS = 3;

interface Lag {
  totalMs: number;
  maxMs: number;
  p99Ms: number;
}

async function measured(work: () => Promise<void>): Promise<Lag> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  await work();
  histogram.disable();
  return {
    totalMs: performance.now() - started,
    maxMs: histogram.max / 1e6,
    p99Ms: histogram.percentile(99) / 1e6,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function proveWhole(bytes: Buffer): Promise<void> {
  await setImmediate();
  const hashes: Hash[] = [createHash("sha256"), createHash("md5")];
  for (const hash of hashes) hash.update(bytes).digest();
}

async function proveSliced(bytes: Buffer): Promise<void> {
  await setImmediate();
  const hashes: Hash[] = [createHash("sha256"), createHash("md5")];
  for (let at = 0; at < bytes.length; at += MiB) {
    if (at > 0) await setImmediate();
    for (const hash of hashes) hash.update(bytes.subarray(at, at + MiB));
  }
  for (const hash of hashes) hash.digest();
}

async function fourAtOnce(
  files: Buffer[],
  prove: (bytes: Buffer) => Promise<void>,
): Promise<void> {
  const queue = [...files];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) await prove(f);
    }),
  );
}

async function hashingTable(): Promise<string> {
  const files = Array.from({ length: 16 }, () => randomBytes(8 * MiB));
  const runs: Record<"whole" | "sliced", Lag[]> = { whole: [], sliced: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    runs.whole.push(await measured(() => fourAtOnce(files, proveWhole)));
    runs.sliced.push(await measured(() => fourAtOnce(files, proveSliced)));
  }
  const row = (name: string, lags: Lag[], base: Lag[]): string => {
    const max = median(lags.map((l) => l.maxMs));
    const baseMax = median(base.map((l) => l.maxMs));
    return `| ${name} | ${median(lags.map((l) => l.totalMs)).toFixed(0)} | ${max.toFixed(1)} | ${median(lags.map((l) => l.p99Ms)).toFixed(1)} | **${((max / baseMax) * 100).toFixed(0)} %** |`;
  };
  return [
    `16 × 8 MiB proven (SHA-256 + MD5), 4 at once, median of ${ROUNDS} rounds alternating:`,
    "",
    "| hashing | total ms | loop delay max ms | loop delay p99 ms | max vs whole buffer |",
    "| --- | --- | --- | --- | --- |",
    row("whole buffer (before)", runs.whole, runs.whole),
    row("1 MiB slices (now)", runs.sliced, runs.whole),
  ].join("\n");
}

async function migrationTable(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cp-bench-loop-lag-"));
  try {
    const index = await openIndex(join(dir, "index.sqlite"));
    const file = createFilesystemStore({ root: join(dir, "filestore") });
    const bucket: ObjectStore = {
      ...createFilesystemStore({ root: join(dir, "bucket") }),
      kind: "s3",
      container: "bench",
    };
    const stores = {
      file,
      db: createDatabaseStore(index),
      objectStorage: { kind: "s3" as const, write: bucket },
    };
    const local = createAttachments({ index, location: "file", stores });
    const files = 24;
    for (let i = 0; i < files; i += 1)
      await local.create({
        name: `f${i}.bin`,
        mimetype: "application/octet-stream",
        body: randomBytes(8 * MiB),
      });
    const moving = createAttachments({
      index,
      location: "s3",
      forceDatabase: {},
      stores,
    });
    let moved = 0;
    const lag = await measured(async () => {
      moved = (await moving.migrate()).moved;
    });
    await index.close();
    return [
      `A migration of ${files} × 8 MiB files (filestore → filesystem "bucket", SQLite index, concurrency 4):`,
      "",
      "| files moved | total ms | loop delay max ms | loop delay p99 ms |",
      "| --- | --- | --- | --- |",
      `| ${moved} | ${lag.totalMs.toFixed(0)} | ${lag.maxMs.toFixed(1)} | ${lag.p99Ms.toFixed(1)} |`,
    ].join("\n");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

process.stdout.write(`${await hashingTable()}\n\n${await migrationTable()}\n`);
