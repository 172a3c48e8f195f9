/**
 * Migration throughput of `@cloud-platform/storage-core` Attachments over a
 * `@cloud-platform/storage-sql` SQLite index: local filestore → database store (SQLite) and
 * local filestore → a second filesystem store standing in for a bucket, for 10,000 × 10 KB
 * and 20 × 50 MB files. Every copy is verified by reading it back (`verify: 'full'`, the
 * default). Each scenario runs in a process of its own, so its peak RSS is its own
 * (target: under 200 MB whatever the total size).
 *
 * Run: `node --import tsx bench/migration.bench.ts` (after building storage-core and
 * storage-sql with `npx tsc -p tsconfig.build.json`).
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  contentKey,
  createAttachments,
  createFilesystemStore,
  uuidv7,
  type ObjectStore,
} from "@cloud-platform/storage-core";
import {
  createDatabaseStore,
  openIndex,
  type SqlIndex,
} from "@cloud-platform/storage-sql";

interface Scenario {
  name: string;
  files: number;
  size: number;
  target: "db" | "fs";
}

const MB = 1024 * 1024;
const SCENARIOS: Scenario[] = [
  { name: "small-db", files: 10_000, size: 10 * 1024, target: "db" },
  { name: "small-fs", files: 10_000, size: 10 * 1024, target: "fs" },
  { name: "large-db", files: 20, size: 50 * MB, target: "db" },
  { name: "large-fs", files: 20, size: 50 * MB, target: "fs" },
];

interface Result {
  name: string;
  files: number;
  bytes: number;
  seconds: number;
  filesPerSecond: number;
  mbPerSecond: number;
  peakRssMb: number;
  failed: number;
}

/** A file of `size` bytes written in 1 MiB chunks (never whole in memory); returns its SHA-256. */
async function writeFile(
  store: ObjectStore,
  key: string,
  size: number,
): Promise<string> {
  const hash = createHash("sha256");
  const seed = randomBytes(1024 * 1024);
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < size; sent += seed.length) {
      const chunk = seed.subarray(0, Math.min(seed.length, size - sent));
      chunk.writeUInt32LE(sent >>> 0, 0);
      hash.update(chunk);
      yield Buffer.from(chunk);
    }
  }
  const temp = `tmp/${uuidv7()}`;
  await store.put(temp, Readable.from(chunks()), { size });
  const checksum = hash.digest("hex");
  await store.copy(temp, key);
  await store.delete(temp);
  return checksum;
}

/** Seeds `files` local attachments, rows inserted in one transaction. */
async function seed(
  index: SqlIndex,
  file: ObjectStore,
  scenario: Scenario,
): Promise<void> {
  const rows: unknown[][] = [];
  for (let i = 0; i < scenario.files; i++) {
    let checksum: string;
    let key: string;
    if (scenario.size <= MB) {
      const bytes = randomBytes(scenario.size);
      checksum = createHash("sha256").update(bytes).digest("hex");
      key = contentKey(checksum);
      await file.put(key, bytes);
    } else {
      key = `u/${String(i).padStart(2, "0")}/${uuidv7()}`;
      checksum = await writeFile(file, key, scenario.size);
    }
    rows.push([
      uuidv7(),
      `f${i}.bin`,
      "application/octet-stream",
      scenario.size,
      checksum,
      `file:${key}`,
      "file",
      Date.now(),
    ]);
  }
  await index.driver.transaction(async (tx) => {
    for (const row of rows) {
      await tx.run(
        "INSERT INTO cp_attachments (id, name, mimetype, size, checksum, ref, location, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        row,
      );
    }
  });
}

/** Runs one scenario in this process and returns its result. */
async function runScenario(scenario: Scenario): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), "cp-bench-migration-"));
  try {
    const index = await openIndex(join(dir, "index.sqlite"));
    const file = createFilesystemStore({ root: join(dir, "filestore") });
    const bucket: ObjectStore = {
      ...createFilesystemStore({ root: join(dir, "bucket") }),
      kind: "s3",
      container: "bench",
    };
    const db = createDatabaseStore(index);
    await seed(index, file, scenario);
    const attachments = createAttachments({
      index,
      location: scenario.target === "db" ? "db" : "s3",
      forceDatabase: {},
      stores: { file, db, objectStorage: { kind: "s3", write: bucket } },
    });
    (globalThis as { gc?: () => void }).gc?.();
    let peak = process.memoryUsage.rss();
    const sampler = setInterval(
      () => (peak = Math.max(peak, process.memoryUsage.rss())),
      20,
    );
    const report = await attachments.migrate({
      batchSize: 100,
      concurrency: 4,
    });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    await index.close();
    const seconds = report.durationMs / 1000;
    return {
      name: scenario.name,
      files: report.moved,
      bytes: report.bytes,
      seconds,
      filesPerSecond: report.moved / seconds,
      mbPerSecond: report.bytes / MB / seconds,
      peakRssMb: peak / MB,
      failed: report.failed.length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a scenario in a child process (its own RSS), reading its JSON result. */
function inChild(scenario: Scenario): Promise<Result> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", self, "--scenario", scenario.name],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout
      .setEncoding("utf8")
      .on("data", (chunk: string) => (out += chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0)
        reject(new Error(`scenario ${scenario.name} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split("\n").at(-1)!) as Result);
    });
  });
}

const LABELS: Record<string, string> = {
  "small-db": "10,000 × 10 KB, filestore → database (SQLite)",
  "small-fs": "10,000 × 10 KB, filestore → filesystem bucket",
  "large-db": "20 × 50 MB, filestore → database (SQLite)",
  "large-fs": "20 × 50 MB, filestore → filesystem bucket",
};

/** Runs every scenario and returns the markdown table. */
export async function run(): Promise<string> {
  const results: Result[] = [];
  for (const scenario of SCENARIOS) results.push(await inChild(scenario));
  const lines = [
    "## Attachment migration (storage-core + storage-sql)",
    "",
    "Copy, read-back verification (SHA-256), ref update in batches of 100, local delete; concurrency 4.",
    "",
    "| scenario | files | total MB | seconds | files/s | MB/s | peak RSS (MB) | failed |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      (r) =>
        `| ${LABELS[r.name] ?? r.name} | ${r.files} | ${(r.bytes / MB).toFixed(0)} | ${r.seconds.toFixed(1)} | ${r.filesPerSecond.toFixed(0)} | ${r.mbPerSecond.toFixed(1)} | ${r.peakRssMb.toFixed(0)} | ${r.failed} |`,
    ),
    "",
  ];
  return lines.join("\n");
}

const scenarioArg = process.argv.indexOf("--scenario");
if (scenarioArg !== -1) {
  const scenario = SCENARIOS.find(
    (s) => s.name === process.argv[scenarioArg + 1],
  );
  if (!scenario) throw new Error("unknown scenario");
  process.stdout.write(`${JSON.stringify(await runScenario(scenario))}\n`);
} else if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  process.stdout.write(await run());
}
