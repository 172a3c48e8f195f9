/**
 * `cloud-platform migrate` against `rclone copy` (Debian package), on the same files, into
 * the same local Swift, in the same run:
 * - 10,000 × 10 KB files from the filestore → S3 API: rclone with default flags and with
 *   `--transfers 16`, our CLI with its defaults (targets: ≥ 1.5× rclone default files/s,
 *   ≥ 1.0× rclone tuned), a raw PUT loop (AWS SDK PutObject, 16 at a time, no index; target
 *   ≥ 0.9× of it), and our CLI with the flags of BENCH_OURS_TUNED when set;
 * - the same files → Swift API: rclone default, our CLI, a raw `fetch` PUT loop (targets
 *   ≥ 1.5× and ≥ 0.9×);
 * - 20 × 100 MB files → S3 API and → Swift API (targets: ≥ 1.0× rclone MB/s, our peak RSS
 *   under 150 MB, the issue's target).
 * rclone copies the filestore folder without our store's sidecars (`.cp-meta`, `.cp-tmp`), so
 * both tools move the same files. Every run is a separate process under `/usr/bin/time -v`
 * (wall time, CPU, peak RSS); the Swift servers' CPU and the requests their proxy logged for
 * the run's bucket are recorded too, since the server is the ceiling on this machine. Files/s and MB/s are over the whole
 * process (start-up included) for both tools. Our runs start from a copy of the seeded state
 * (`cloud-platform install <kind> --no-migrate` first, not timed). Each tool writes to a
 * bucket of its own; all are deleted after each round.
 *
 * Env: BENCH_SMALL_FILES (10000), BENCH_SMALL_ROUNDS (2), BENCH_LARGE_FILES (20),
 * BENCH_LARGE_MB (100), BENCH_LARGE_ROUNDS (3), BENCH_OURS_TUNED (flags of an extra row),
 * BENCH_MIGRATE_SWEEP=1 (instead: our CLI under several --concurrency/--batch-size settings,
 * to choose defaults; BENCH_SWEEP_API=swift sweeps into the Swift API, BENCH_SWEEP_SETTINGS
 * replaces the settings, `;`-separated).
 *
 * Run: `node --import tsx bench/migrate-vs-rclone.bench.ts` (after the build, with the
 * services of `scripts/services.sh` running).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cloneState, seedFilestore, type SeededState } from "./lib/seed.js";
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
import {
  endpoints,
  installPlatform,
  rcloneVersion,
  runMigrate,
  runRawPut,
  runRclone,
  type Api,
} from "./lib/tools.js";

const log = progressLogger("migrate-vs-rclone");
const KB = 1024;
const MB = 1e6;

/** One way of copying the files. */
interface Variant {
  id: string;
  tool: "ours" | "rclone" | "raw";
  api: Api;
  flags: string[];
}

/** One measured copy. */
interface Sample {
  wallMs: number;
  peakRssMb: number;
  cpuSeconds: number;
  serverCpuSeconds: number;
  requests: Record<string, number> | undefined;
  /** Our CLI's own measure of the migration (without process start-up). */
  migrateMs?: number;
}

/** The raw PUT loop runs at our CLI's default concurrency ("the same concurrency"). */
const RAW_CONCURRENCY = 16;

const prefix = `bench-cmp-${Date.now().toString(36)}-${randomBytes(2).toString("hex")}`;

function flagsOf(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback).split(" ").filter((f) => f !== "");
}

/** Copies `state` with `variant` into a fresh bucket/container and measures it. */
async function measure(
  state: SeededState,
  variant: Variant,
  container: string,
  work: string,
): Promise<Sample> {
  if (variant.tool === "raw") {
    const offset = await proxyLogOffset();
    const cpu = await swiftServerCpu();
    const { run, report } = await runRawPut(
      state,
      variant.api,
      container,
      RAW_CONCURRENCY,
    );
    return {
      ...run,
      serverCpuSeconds: (await swiftServerCpu()) - cpu,
      requests: await countRequests(offset, container),
      migrateMs: report.durationMs,
    };
  }
  if (variant.tool === "rclone") {
    const offset = await proxyLogOffset();
    const cpu = await swiftServerCpu();
    const run = await runRclone(state, variant.api, container, variant.flags);
    return {
      ...run,
      serverCpuSeconds: (await swiftServerCpu()) - cpu,
      requests: await countRequests(offset, container),
    };
  }
  const copy = await cloneState(state, join(work, container));
  try {
    await installPlatform(copy, variant.api, container);
    const offset = await proxyLogOffset();
    const cpu = await swiftServerCpu();
    const { run, report } = await runMigrate(
      copy,
      variant.api,
      container,
      variant.flags,
    );
    return {
      ...run,
      serverCpuSeconds: (await swiftServerCpu()) - cpu,
      requests: await countRequests(offset, container),
      migrateMs: report.durationMs,
    };
  } finally {
    await rm(copy.dir, { recursive: true, force: true });
  }
}

/** Runs every variant `rounds` times (rotating the order) and returns the samples by variant. */
async function measureAll(
  state: SeededState,
  variants: Variant[],
  rounds: number,
  work: string,
): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + round) % variants.length]!;
      const container = `${prefix}-${variant.id}-${round}`;
      const sample = await measure(state, variant, container, work);
      log(
        `${variant.id} round ${round + 1}/${rounds}: ${fixed(sample.wallMs / 1000, 1)} s, peak RSS ${fixed(sample.peakRssMb)} MB`,
      );
      samples.get(variant.id)!.push(sample);
    }
    const deleted = await deleteContainers(endpoints.swift, prefix);
    log(`round ${round + 1}: deleted ${deleted} objects`);
  }
  return samples;
}

interface Summary {
  rate: number;
  row: string[];
}

function summarise(
  variant: Variant,
  label: string,
  samples: Sample[],
  state: SeededState,
  unit: "files" | "MB",
): Summary {
  const amount = unit === "files" ? state.files : state.bytes / MB;
  const rate = median(samples.map((s) => amount / (s.wallMs / 1000)));
  const internal = median(
    samples.map((s) =>
      s.migrateMs === undefined ? Number.NaN : amount / (s.migrateMs / 1000),
    ),
  );
  return {
    rate,
    row: [
      label,
      variant.api === "s3" ? "S3" : "Swift",
      fixed(rate, unit === "files" ? 0 : 1),
      fixed(internal, unit === "files" ? 0 : 1),
      fixed(median(samples.map((s) => s.peakRssMb))),
      fixed(
        median(samples.map((s) => (s.cpuSeconds * 1000) / state.files)),
        unit === "files" ? 2 : 0,
      ),
      fixed(
        median(samples.map((s) => (s.serverCpuSeconds * 1000) / state.files)),
        unit === "files" ? 2 : 0,
      ),
      requestsPerFile(samples.at(-1)?.requests, state.files),
      String(samples.length),
    ],
  };
}

const HEADER = [
  "tool and flags",
  "API",
  "rate (whole process)",
  "rate (migrate report)",
  "peak RSS (MB)",
  "client CPU ms/file",
  "server CPU ms/file",
  "requests per file",
  "runs",
];

async function smallFiles(
  work: string,
  tuned: string[] | undefined,
): Promise<string> {
  const files = envNumber("BENCH_SMALL_FILES", 10_000);
  log(`seeding ${files} × 10 KB files`);
  const state = await seedFilestore(join(work, "small"), files, 10 * KB);
  const variants: Variant[] = [
    { id: "rc", tool: "rclone", api: "s3", flags: [] },
    { id: "rc16", tool: "rclone", api: "s3", flags: ["--transfers", "16"] },
    { id: "ours", tool: "ours", api: "s3", flags: [] },
    { id: "raw", tool: "raw", api: "s3", flags: [] },
    { id: "rcsw", tool: "rclone", api: "swift", flags: [] },
    { id: "oursw", tool: "ours", api: "swift", flags: [] },
    { id: "rawsw", tool: "raw", api: "swift", flags: [] },
  ];
  const labels = [
    "rclone copy (defaults)",
    "rclone copy --transfers 16",
    "cloud-platform migrate (defaults)",
    `raw PUT loop (AWS SDK PutObject, ${RAW_CONCURRENCY} at a time, no index)`,
    "rclone copy (defaults)",
    "cloud-platform migrate (defaults)",
    `raw PUT loop (fetch PUT, ${RAW_CONCURRENCY} at a time, no index)`,
  ];
  if (tuned) {
    variants.push({ id: "tuned", tool: "ours", api: "s3", flags: tuned });
    labels.push(`cloud-platform migrate ${tuned.join(" ")}`);
  }
  const samples = await measureAll(
    state,
    variants,
    envNumber("BENCH_SMALL_ROUNDS", 2),
    work,
  );
  const s = variants.map((v, i) =>
    summarise(v, labels[i]!, samples.get(v.id)!, state, "files"),
  );
  const [rc, rc16, ours, raw, rcSwift, oursSwift, rawSwift] = s.map(
    (x) => x.rate,
  ) as [number, number, number, number, number, number, number];
  const lines = [
    `### ${files} × 10 KB files, filestore → S3 API and → Swift API (files/s, medians)`,
    "",
    markdownTable(
      HEADER,
      s.map((x) => x.row),
    ),
    "",
    `S3 API: ours (defaults) ÷ rclone default: **${fixed(ours / rc, 2)}×** (target ≥ 1.5×); ÷ rclone --transfers 16: **${fixed(ours / rc16, 2)}×** (target ≥ 1.0×); ÷ raw PUT loop: **${fixed(ours / raw, 2)}×** (target ≥ 0.9×).`,
    `Swift API: ours (defaults) ÷ rclone default: **${fixed(oursSwift / rcSwift, 2)}×** (target ≥ 1.5×); ÷ raw PUT loop: **${fixed(oursSwift / rawSwift, 2)}×** (target ≥ 0.9×).`,
  ];
  const oursTuned = s[7]?.rate;
  if (tuned && oursTuned !== undefined)
    lines.push(
      `Ours (${tuned.join(" ")}) ÷ rclone default: **${fixed(oursTuned / rc, 2)}×**; ÷ rclone --transfers 16: **${fixed(oursTuned / rc16, 2)}×**.`,
    );
  return lines.join("\n");
}

async function largeFiles(work: string): Promise<string> {
  const files = envNumber("BENCH_LARGE_FILES", 20);
  const size = envNumber("BENCH_LARGE_MB", 100) * MB;
  log(`seeding ${files} × ${size / MB} MB files`);
  const state = await seedFilestore(join(work, "large"), files, size, 2);
  const variants: Variant[] = [
    { id: "rcs3", tool: "rclone", api: "s3", flags: [] },
    { id: "ours3", tool: "ours", api: "s3", flags: [] },
    { id: "rcsw", tool: "rclone", api: "swift", flags: [] },
    { id: "oursw", tool: "ours", api: "swift", flags: [] },
  ];
  const samples = await measureAll(
    state,
    variants,
    envNumber("BENCH_LARGE_ROUNDS", 3),
    work,
  );
  const labels = [
    "rclone copy (defaults)",
    "cloud-platform migrate (defaults)",
    "rclone copy (defaults)",
    "cloud-platform migrate (defaults)",
  ];
  const s = variants.map((v, i) =>
    summarise(v, labels[i]!, samples.get(v.id)!, state, "MB"),
  );
  const [rcS3, oursS3, rcSwift, oursSwift] = s.map((x) => x.rate) as [
    number,
    number,
    number,
    number,
  ];
  const rss = Math.max(
    ...["ours3", "oursw"].flatMap((id) =>
      samples.get(id)!.map((x) => x.peakRssMb),
    ),
  );
  return [
    `### ${files} × ${size / MB} MB files, filestore → S3 API and → Swift API (MB/s, medians; CPU per file)`,
    "",
    markdownTable(
      HEADER,
      s.map((x) => x.row),
    ),
    "",
    `Ours ÷ rclone: S3 **${fixed(oursS3 / rcS3, 2)}×**, Swift **${fixed(oursSwift / rcSwift, 2)}×** (target ≥ 1.0×). Our highest peak RSS: **${fixed(rss)} MB** (target < 150 MB).`,
  ].join("\n");
}

/** Our CLI alone under several settings, on the small files: which defaults are best. */
async function sweep(work: string): Promise<string> {
  const files = envNumber("BENCH_SMALL_FILES", 2_000);
  log(`sweep: seeding ${files} × 10 KB files`);
  const state = await seedFilestore(join(work, "sweep"), files, 10 * KB);
  const chosen = process.env["BENCH_SWEEP_SETTINGS"]?.split(";");
  const settings = chosen ?? [
    "",
    "--concurrency 8",
    "--concurrency 16",
    "--concurrency 32",
    "--batch-size 500",
    "--concurrency 16 --batch-size 500",
    "--concurrency 16 --batch-size 1000",
    "--concurrency 32 --batch-size 500",
  ];
  const api: Api = process.env["BENCH_SWEEP_API"] === "swift" ? "swift" : "s3";
  const variants = settings.map((flags, i): Variant => ({
    id: `sw${i}`,
    tool: "ours",
    api,
    flags: flags.split(" ").filter((f) => f !== ""),
  }));
  const samples = await measureAll(
    state,
    variants,
    envNumber("BENCH_SMALL_ROUNDS", 1),
    work,
  );
  const rows = variants.map(
    (v, i) =>
      summarise(
        v,
        `cloud-platform migrate ${settings[i] === "" ? "(defaults)" : settings[i]!}`,
        samples.get(v.id)!,
        state,
        "files",
      ).row,
  );
  return [
    `### Sweep: ${files} × 10 KB files → ${api === "s3" ? "S3" : "Swift"} API, our CLI's settings (files/s, medians)`,
    "",
    markdownTable(HEADER, rows),
  ].join("\n");
}

/** Runs the comparison and returns its markdown. */
export async function run(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "cp-bench-migrate-"));
  try {
    if (process.env["BENCH_MIGRATE_SWEEP"] === "1") return await sweep(work);
    const tuned =
      process.env["BENCH_OURS_TUNED"] === undefined
        ? undefined
        : flagsOf("BENCH_OURS_TUNED", "");
    const small = await smallFiles(work, tuned);
    const large = await largeFiles(work);
    return [
      `Tools: \`cloud-platform migrate --json\` (packages/platform/dist/cli.js) and ${await rcloneVersion()} (\`env -u AWS_CA_BUNDLE rclone copy <filestore> <remote>:<bucket>\`, remotes from RCLONE_CONFIG_* variables: S3 provider Other, path-style; Swift auth v1).`,
      "Rates are over the whole process, start-up included; \"migrate report\" is our CLI's own figure. Server CPU is that of the Swift proxy, object, container and account servers during the run (other load on the machine counts too). Requests per file: lines the Swift proxy logged for the run's bucket (last run).",
      "",
      small,
      "",
      large,
    ].join("\n");
  } finally {
    await deleteContainers(endpoints.swift, prefix).catch((error: unknown) =>
      log(`clean-up failed: ${String(error)}`),
    );
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${await run()}\n`);
}
