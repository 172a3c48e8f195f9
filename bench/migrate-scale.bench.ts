/**
 * Does the migration's cost grow linearly with the number of files? `cloud-platform migrate`
 * (defaults) of 10,000 and of 100,000 × 1 KB files from the filestore into the S3 API of the
 * local Swift, with a **PostgreSQL** index (the 127.0.0.1 server, a database per run), in one
 * run: 10,000, then 100,000, then 10,000 again, so the short runs bracket the long one on a
 * noisy machine. Targets (#14): the long run's files/s within 15 % of the short runs'
 * (their median), and its peak RSS under 150 MB.
 *
 * Each size is seeded once (through `createAttachments`, as an application leaves its files
 * before object storage is installed); each run starts from a copy: the database cloned
 * with `CREATE DATABASE … TEMPLATE`, the filestore hard-linked. Requests are the lines the
 * Swift proxy logged for the run's bucket.
 *
 * Env: BENCH_SCALE_SMALL (10000), BENCH_SCALE_LARGE (100000), BENCH_SCALE_KB (1),
 * CP_TEST_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test: where databases are created).
 *
 * Run: `node --import tsx bench/migrate-scale.bench.ts` (after the build, with the services of
 * `scripts/services.sh` running).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { seedFilestore, type SeededState } from "./lib/seed.js";
import {
  envNumber,
  fixed,
  markdownTable,
  median,
  progressLogger,
} from "./lib/stats.js";
import {
  countRequests,
  deleteContainers,
  proxyLogOffset,
  requestsPerFile,
  swiftServerCpu,
} from "./lib/swift-server.js";
import { endpoints, installPlatform, runMigrate } from "./lib/tools.js";

const exec = promisify(execFile);
const log = progressLogger("migrate-scale");
const ADMIN_URL =
  process.env["CP_TEST_POSTGRES_URL"] ??
  "postgres://postgres@127.0.0.1:5432/test";
const id = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
const prefix = `bench-scale-${id}`;

/** The URL of database `name` on the server of {@link ADMIN_URL}. */
function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.href;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const created: string[] = [];

async function createDatabase(name: string, template?: string): Promise<void> {
  await admin((c) =>
    c.query(
      `CREATE DATABASE "${name}"${template === undefined ? "" : ` TEMPLATE "${template}"`}`,
    ),
  );
  created.push(name);
}

/** A run's own copy of `seed`: the database cloned from its template, the filestore hard-linked. */
async function copyOf(
  seed: SeededState,
  seedDb: string,
  name: string,
  work: string,
): Promise<SeededState> {
  await createDatabase(name, seedDb);
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await exec("cp", ["-al", seed.filestorePath, join(dir, "filestore")]);
  return {
    ...seed,
    dir,
    databaseUrl: databaseUrl(name),
    filestorePath: join(dir, "filestore"),
  };
}

interface Sample {
  files: number;
  wallMs: number;
  migrateMs: number;
  peakRssMb: number;
  cpuSeconds: number;
  serverCpuSeconds: number;
  requests: Record<string, number> | undefined;
}

async function migrateOnce(
  seed: SeededState,
  seedDb: string,
  run: number,
  work: string,
): Promise<Sample> {
  const name = `bench_scale_${id}_run${run}`;
  const copy = await copyOf(seed, seedDb, name, work);
  const container = `${prefix}-${run}`;
  try {
    await installPlatform(copy, "s3", container);
    const offset = await proxyLogOffset();
    const cpu = await swiftServerCpu();
    // 100,000 files at ~150 files/s take about 11 minutes: allow an hour.
    const { run: measured, report } = await runMigrate(
      copy,
      "s3",
      container,
      [],
      3_600_000,
    );
    return {
      files: seed.files,
      wallMs: measured.wallMs,
      migrateMs: report.durationMs,
      peakRssMb: measured.peakRssMb,
      cpuSeconds: measured.cpuSeconds,
      serverCpuSeconds: (await swiftServerCpu()) - cpu,
      requests: await countRequests(offset, container),
    };
  } finally {
    await rm(copy.dir, { recursive: true, force: true });
  }
}

/** Runs the comparison and returns its markdown. */
export async function run(): Promise<string> {
  const small = envNumber("BENCH_SCALE_SMALL", 10_000);
  const large = envNumber("BENCH_SCALE_LARGE", 100_000);
  const size = envNumber("BENCH_SCALE_KB", 1) * 1024;
  const work = await mkdtemp(join(tmpdir(), "cp-bench-scale-"));
  try {
    const seeds = new Map<number, { state: SeededState; db: string }>();
    for (const files of [small, large]) {
      const db = `bench_scale_${id}_seed${files}`;
      await createDatabase(db);
      const started = Date.now();
      log(`seeding ${files} × ${size / 1024} KB files (PostgreSQL index)`);
      const state = await seedFilestore(
        join(work, `seed${files}`),
        files,
        size,
        8,
        databaseUrl(db),
      );
      log(`seeded ${files} in ${fixed((Date.now() - started) / 1000, 1)} s`);
      seeds.set(files, { state, db });
    }
    const samples: Sample[] = [];
    const order = [small, large, small];
    for (const [i, files] of order.entries()) {
      const seed = seeds.get(files)!;
      const sample = await migrateOnce(seed.state, seed.db, i, work);
      log(
        `run ${i + 1}/${order.length}: ${files} files in ${fixed(sample.wallMs / 1000, 1)} s, peak RSS ${fixed(sample.peakRssMb)} MB`,
      );
      samples.push(sample);
      // Empty the bucket before the next run: the server's own object count is the same for each.
      const deleted = await deleteContainers(endpoints.swift, prefix);
      log(`deleted ${deleted} objects`);
    }
    const rate = (s: Sample): number => s.files / (s.wallMs / 1000);
    const internal = (s: Sample): number => s.files / (s.migrateMs / 1000);
    const rows = samples.map((s, i) => [
      String(i + 1),
      String(s.files),
      fixed(s.wallMs / 1000, 1),
      fixed(rate(s)),
      fixed(internal(s)),
      fixed(s.peakRssMb),
      fixed((s.cpuSeconds * 1000) / s.files, 2),
      fixed((s.serverCpuSeconds * 1000) / s.files, 2),
      requestsPerFile(s.requests, s.files, 3),
    ]);
    const shortRuns = samples.filter((s) => s.files === small);
    const long = samples.find((s) => s.files === large)!;
    const ratio = rate(long) / median(shortRuns.map(rate));
    const ratioInternal = internal(long) / median(shortRuns.map(internal));
    return [
      `### ${large} × ${size / 1024} KB against ${small} × ${size / 1024} KB, filestore → S3 API, PostgreSQL index (\`cloud-platform migrate\` defaults)`,
      "",
      markdownTable(
        [
          "run",
          "files",
          "seconds",
          "files/s (whole process)",
          "files/s (migrate report)",
          "peak RSS (MB)",
          "client CPU ms/file",
          "server CPU ms/file",
          "requests per file",
        ],
        rows,
      ),
      "",
      `${large} files ÷ ${small} files (median of the two short runs), files/s: **${fixed(ratio, 2)}×** whole process, **${fixed(ratioInternal, 2)}×** migrate report (target: within 15 %, ≥ 0.85×). Peak RSS of the long run: **${fixed(long.peakRssMb)} MB** (target < 150 MB).`,
    ].join("\n");
  } finally {
    await deleteContainers(endpoints.swift, prefix).catch((error: unknown) =>
      log(`clean-up failed: ${String(error)}`),
    );
    for (const name of created.reverse())
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}"`)).catch(
        (error: unknown) => log(`drop ${name} failed: ${String(error)}`),
      );
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${await run()}\n`);
}
