/**
 * CPU profile of `cloud-platform migrate` moving small files from the filestore into the local
 * Swift: seeds BENCH_PROFILE_FILES (2,000) × BENCH_PROFILE_KB (10) KB files, installs the kind, runs the built CLI
 * under `node --cpu-prof` and prints the top self times by function and package, and the
 * top inclusive times (busy samples only), with the CPU milliseconds per file.
 *
 * Run: `node --import tsx bench/profile-migrate.ts [s3|swift]` (after the build, with the
 * services of `scripts/services.sh` running).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summariseProfile } from "./lib/cpu-profile.js";
import { assertOk, runMeasured } from "./lib/measured-run.js";
import { seedFilestore } from "./lib/seed.js";
import { deleteContainers } from "./lib/swift-server.js";
import { endpoints, installPlatform, platformEnv } from "./lib/tools.js";
import { envNumber, fixed } from "./lib/stats.js";

const api = process.argv[2] === "s3" ? "s3" : "swift";
const files = envNumber("BENCH_PROFILE_FILES", 2000);
const sizeKb = envNumber("BENCH_PROFILE_KB", 10);
const dir = await mkdtemp(join(tmpdir(), "cp-profile-migrate-"));
const container = `bench-prof-${randomBytes(4).toString("hex")}`;
try {
  const state = await seedFilestore(join(dir, "state"), files, sizeKb * 1024);
  await installPlatform(state, api, container);
  const profiles = join(dir, "profiles");
  const cli = join(
    import.meta.dirname,
    "..",
    "packages",
    "platform",
    "dist",
    "cli.js",
  );
  const run = await runMeasured(
    process.execPath,
    ["--cpu-prof", `--cpu-prof-dir=${profiles}`, cli, "migrate", "--json"],
    { env: platformEnv(state, api, container) },
  );
  assertOk(run, "cloud-platform migrate");
  const [file] = await readdir(profiles);
  if (file === undefined) throw new Error("no profile written");
  const summary = await summariseProfile(join(profiles, file));
  console.log(
    `${files} × ${sizeKb} KB → ${api}: wall ${fixed(run.wallMs / 1000, 1)} s, CPU ${fixed((run.cpuSeconds * 1000) / files, 2)} ms/file, ${summary.samples} busy samples`,
  );
  const show = (title: string, rows: { name: string; share: number }[]) => {
    console.log(`\n${title}`);
    for (const row of rows.slice(0, 18))
      console.log(`${fixed(row.share * 100, 1).padStart(5)} %  ${row.name}`);
  };
  show("self time by package", summary.packages);
  show("self time by function", summary.functions);
  show("inclusive time", summary.inclusive);
} finally {
  await deleteContainers(endpoints.swift, container);
  await rm(dir, { recursive: true, force: true });
}
