/**
 * The filesystem store's read path as a migration uses it (`get` of small files, 16 at
 * once, then `delete`), this build against another built checkout (BENCH_BASELINE_DIR, e.g.
 * of main) in alternating rounds of one process, so the ratio is paired. Reports files/s and
 * CPU µs per file (get + delete).
 *
 * Env: BENCH_FILES (2,000), BENCH_ROUNDS (6), BENCH_BASELINE_DIR (optional).
 * Run: `node --import tsx bench/filesystem-read.bench.ts` (after the build).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ObjectStore } from "@cloud-platform/storage-core";
import {
  envNumber,
  fixed,
  markdownTable,
  median,
  progressLogger,
} from "./lib/stats.js";

type Factory = (options: { root: string }) => ObjectStore;

const files = envNumber("BENCH_FILES", 2000);
const rounds = envNumber("BENCH_ROUNDS", 6);
const concurrency = 16;
const log = progressLogger("filesystem-read");

async function factoryFrom(dir: string): Promise<Factory> {
  const url = pathToFileURL(
    join(dir, "packages", "storage-core", "dist", "index.js"),
  ).href;
  const mod = (await import(url)) as { createFilesystemStore: Factory };
  return mod.createFilesystemStore;
}

/** Writes `files` files of 10 KB under two levels of directories, as attachments are kept. */
async function seed(root: string): Promise<string[]> {
  const keys: string[] = [];
  const body = Buffer.alloc(10_000, 7);
  for (let i = 0; i < files; i++) {
    const hex = i.toString(16).padStart(6, "0");
    const key = `${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`;
    await mkdir(join(root, hex.slice(0, 2), hex.slice(2, 4)), {
      recursive: true,
    });
    await writeFile(join(root, ...key.split("/")), body);
    keys.push(key);
  }
  return keys;
}

/** Reads then deletes every key, `concurrency` at a time; files/s and CPU µs per file. */
async function measure(
  factory: Factory,
  base: string,
): Promise<{ rate: number; cpu: number }> {
  const root = await mkdtemp(join(base, "round-"));
  const keys = await seed(root);
  const store = factory({ root });
  await store.exists(keys[0]!); // the root resolved before the clock starts
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < keys.length; i = next++) {
      await store.get(keys[i]!);
      await store.delete(keys[i]!);
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await rm(root, { recursive: true, force: true });
  return {
    rate: keys.length / seconds,
    cpu: (cpu.user + cpu.system) / keys.length,
  };
}

async function run(): Promise<string> {
  const cases: { name: string; factory: Factory }[] = [
    {
      name: "this build",
      factory: await factoryFrom(join(import.meta.dirname, "..")),
    },
  ];
  const baseline = process.env["BENCH_BASELINE_DIR"];
  if (baseline !== undefined && baseline !== "")
    cases.push({
      name: "baseline build",
      factory: await factoryFrom(baseline),
    });
  const base = await mkdtemp(join(tmpdir(), "cp-fs-read-"));
  const samples = cases.map(() => [] as { rate: number; cpu: number }[]);
  try {
    for (let round = 1; round <= rounds; round++) {
      // Alternate the order so neither build always runs on a warmer cache.
      const order =
        round % 2 === 1 ? cases.keys() : [...cases.keys()].reverse();
      for (const i of order) {
        const s = await measure(cases[i]!.factory, base);
        samples[i]!.push(s);
        log(
          `round ${round}/${rounds} ${cases[i]!.name}: ${fixed(s.rate)} files/s`,
        );
      }
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  const rows = cases.map((c, i) => {
    const mine = samples[i]!;
    const ratio =
      i === 0 || samples[0] === undefined
        ? ""
        : `${fixed(median(samples[0].map((s, r) => s.rate / mine[r]!.rate)), 2)}×`;
    return [
      c.name,
      fixed(median(mine.map((s) => s.rate))),
      fixed(median(mine.map((s) => s.cpu))),
      ratio,
    ];
  });
  return [
    "## filesystem-read",
    "",
    `${files} files of 10 KB in two directory levels, \`get\` then \`delete\` each, ${concurrency} at once, ${rounds} rounds alternating (medians); Node ${process.version}.`,
    "",
    markdownTable(
      [
        "store build",
        "files/s",
        "CPU µs/file",
        "this build ÷ this row (paired rounds)",
      ],
      rows,
    ),
  ].join("\n");
}

process.stdout.write(`${await run()}\n`);
