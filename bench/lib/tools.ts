import { randomBytes } from "node:crypto";
/**
 * The two tools compared: our `cloud-platform` CLI (the built `packages/platform/dist/cli.js`,
 * as users run it) and rclone (Debian package), both configured through the environment
 * only, both run under {@link runMeasured}.
 */
import { existsSync } from "node:fs";
import { S3Client } from "@aws-sdk/client-s3";
import { join } from "node:path";
import { assertOk, runMeasured, type MeasuredRun } from "./measured-run.js";
import type { SeededState } from "./seed.js";

const ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "packages", "platform", "dist", "cli.js");

/** Loopback endpoints of the local Swift (`CP_TEST_*` overrides, as in the tests). */
export const endpoints = {
  s3: {
    endpoint: process.env["CP_TEST_S3_ENDPOINT"] ?? "http://127.0.0.1:8080",
    region: process.env["CP_TEST_S3_REGION"] ?? "us-east-1",
    accessKeyId: process.env["CP_TEST_S3_ACCESS_KEY_ID"] ?? "test:tester",
    secretAccessKey: process.env["CP_TEST_S3_SECRET_ACCESS_KEY"] ?? "testing",
  },
  swift: {
    authUrl:
      process.env["CP_TEST_SWIFT_AUTH_URL"] ??
      "http://127.0.0.1:8080/auth/v1.0",
    user: process.env["CP_TEST_SWIFT_USER"] ?? "test:tester",
    key: process.env["CP_TEST_SWIFT_KEY"] ?? "testing",
  },
  redisHost: "127.0.0.1",
};

/** Where a copy goes. */
export type Api = "s3" | "swift";

/**
 * An AWS SDK client of the local S3 API, path style, checksums only where an operation
 * requires one (what the raw reference loops use).
 */
export function localS3Client(): S3Client {
  return new S3Client({
    endpoint: endpoints.s3.endpoint,
    region: endpoints.s3.region,
    forcePathStyle: true,
    credentials: {
      accessKeyId: endpoints.s3.accessKeyId,
      secretAccessKey: endpoints.s3.secretAccessKey,
    },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** One signing secret for every process of a benchmark run. */
const SESSION_SECRET = randomBytes(24).toString("hex");

/** The environment of the platform for `state`, writing to `container` through `api`. */
export function platformEnv(
  state: SeededState,
  api: Api,
  container: string,
): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"],
    HOME: process.env["HOME"],
    RUNNING_ENV: "integration",
    DATABASE_URL: state.databaseUrl,
    FILESTORE_PATH: state.filestorePath,
    ODOO_SESSION_REDIS: "1",
    ODOO_SESSION_REDIS_HOST: endpoints.redisHost,
    ODOO_SESSION_REDIS_PREFIX: "bench-odoo-integration",
    // Redis sessions need a shared signing secret: the checks refuse to start without one.
    SESSION_SECRET: SESSION_SECRET,
    // integration with a local SQLite index is refused by the checks (a second front-end
    // would see no refs); a benchmark is one host on purpose, and the checks only run at
    // start-up, outside every measured path.
    ODOO_CLOUD_PLATFORM_UNSAFE: "1",
  };
  if (api === "s3") {
    return {
      ...base,
      AWS_HOST: endpoints.s3.endpoint,
      AWS_REGION: endpoints.s3.region,
      AWS_ACCESS_KEY_ID: endpoints.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: endpoints.s3.secretAccessKey,
      AWS_BUCKETNAME: container,
    };
  }
  return {
    ...base,
    SWIFT_AUTH_URL: endpoints.swift.authUrl,
    SWIFT_ACCOUNT: endpoints.swift.user,
    SWIFT_PASSWORD: endpoints.swift.key,
    SWIFT_WRITE_CONTAINER: container,
  };
}

function cliArgs(args: string[]): string[] {
  // The built CLI when present (what `npm run bench` builds), else the sources through tsx.
  if (existsSync(CLI)) return [CLI, ...args];
  return [
    "--conditions=@cloud-platform/source",
    "--import",
    "tsx",
    join(ROOT, "packages", "platform", "src", "cli.ts"),
    ...args,
  ];
}

/** `cloud-platform install <kind> --no-migrate`: records the kind, creates the container. */
export async function installPlatform(
  state: SeededState,
  api: Api,
  container: string,
): Promise<void> {
  const run = await runMeasured(
    process.execPath,
    cliArgs([
      "install",
      api === "s3" ? "exoscale" : "ovh",
      "--no-migrate",
      "--json",
    ]),
    {
      env: platformEnv(state, api, container),
      cwd: ROOT,
    },
  );
  assertOk(run, "cloud-platform install");
}

/** What `cloud-platform migrate --json` reported. */
export interface MigrateReport {
  status: string;
  moved: number;
  failed: unknown[];
  bytes: number;
  durationMs: number;
}

/**
 * `cloud-platform migrate --json [flags]`, measured, killed after `timeoutMs` (10 min by
 * default). @throws when it fails or moves nothing
 */
export async function runMigrate(
  state: SeededState,
  api: Api,
  container: string,
  flags: string[],
  timeoutMs?: number,
): Promise<{ run: MeasuredRun; report: MigrateReport }> {
  const run = await runMeasured(
    process.execPath,
    cliArgs(["migrate", "--json", ...flags]),
    {
      env: platformEnv(state, api, container),
      cwd: ROOT,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    },
  );
  assertOk(run, `cloud-platform migrate ${flags.join(" ")}`);
  const line = run.stdout
    .split("\n")
    .find((l) => l.includes('"type":"report"'));
  const report = JSON.parse(line ?? "{}") as MigrateReport;
  if (
    report.status !== "done" ||
    report.failed.length > 0 ||
    report.moved !== state.files
  ) {
    throw new Error(
      `migrate did not move every file: ${JSON.stringify({ ...report, failed: report.failed.slice(0, 3) })}`,
    );
  }
  return { run, report };
}

/** rclone remotes `benchs3:` and `benchswift:` defined through its environment variables. */
function rcloneEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // rclone 1.60's S3 backend fails with LoadCustomCABundleError when this is set.
  delete env["AWS_CA_BUNDLE"];
  Object.assign(env, {
    RCLONE_CONFIG_BENCHS3_TYPE: "s3",
    RCLONE_CONFIG_BENCHS3_PROVIDER: "Other",
    RCLONE_CONFIG_BENCHS3_ENDPOINT: endpoints.s3.endpoint,
    RCLONE_CONFIG_BENCHS3_REGION: endpoints.s3.region,
    RCLONE_CONFIG_BENCHS3_ACCESS_KEY_ID: endpoints.s3.accessKeyId,
    RCLONE_CONFIG_BENCHS3_SECRET_ACCESS_KEY: endpoints.s3.secretAccessKey,
    RCLONE_CONFIG_BENCHS3_FORCE_PATH_STYLE: "true",
    RCLONE_CONFIG_BENCHSWIFT_TYPE: "swift",
    RCLONE_CONFIG_BENCHSWIFT_AUTH: endpoints.swift.authUrl,
    RCLONE_CONFIG_BENCHSWIFT_USER: endpoints.swift.user,
    RCLONE_CONFIG_BENCHSWIFT_KEY: endpoints.swift.key,
    RCLONE_CONFIG_BENCHSWIFT_AUTH_VERSION: "1",
    // No config file of the user's: only the remotes above exist.
    RCLONE_CONFIG: "/dev/null",
  });
  return env;
}

/** `rclone copy <filestore> <remote>:<container> [flags]`, measured (`env -u AWS_CA_BUNDLE`), filestore sidecars excluded. */
export async function runRclone(
  state: SeededState,
  api: Api,
  container: string,
  flags: string[],
): Promise<MeasuredRun> {
  const remote = `${api === "s3" ? "benchs3" : "benchswift"}:${container}`;
  // The same files as ours: the filestore's own sidecars (content types, temp files) stay out.
  const excludes = ["--exclude", "/.cp-meta/**", "--exclude", "/.cp-tmp/**"];
  const run = await runMeasured(
    "env",
    [
      "-u",
      "AWS_CA_BUNDLE",
      "rclone",
      "copy",
      state.filestorePath,
      remote,
      ...excludes,
      ...flags,
    ],
    { env: rcloneEnv() },
  );
  assertOk(run, `rclone copy ${flags.join(" ")}`);
  return run;
}

/** What a raw PUT loop (`raw-put.ts`) reported. */
export interface RawReport {
  files: number;
  bytes: number;
  durationMs: number;
}

/**
 * The plain PUT loop of `raw-put.ts` over the filestore files (sidecars excluded), into a new
 * `container`, `concurrency` at a time, measured: the floor the migration is compared with.
 */
export async function runRawPut(
  state: SeededState,
  api: Api,
  container: string,
  concurrency: number,
): Promise<{ run: MeasuredRun; report: RawReport }> {
  const run = await runMeasured(
    process.execPath,
    [
      "--import",
      "tsx",
      join(ROOT, "bench", "lib", "raw-put.ts"),
      api,
      state.filestorePath,
      container,
      String(concurrency),
    ],
    { env: { ...process.env }, cwd: ROOT },
  );
  assertOk(run, `raw PUT loop (${api})`);
  const line = run.stdout
    .split("\n")
    .find((l) => l.includes('"type":"report"'));
  const report = JSON.parse(line ?? "{}") as RawReport;
  if (report.files !== state.files)
    throw new Error(
      `raw PUT loop sent ${report.files} files, not ${state.files}`,
    );
  return { run, report };
}

/** The rclone version line, for the table's caption. */
export async function rcloneVersion(): Promise<string> {
  const run = await runMeasured("rclone", ["version"], { env: rcloneEnv() });
  return run.stdout.split("\n")[0]?.trim() ?? "rclone";
}
