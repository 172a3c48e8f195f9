import {
  EX_CONFIG,
  formatReport,
  isPlatformConfigError,
  runCheckCli,
} from "@cloud-platform/platform-checks";
import {
  MIGRATION_LOCK,
  type MigrateOptions,
  type MigrationProgress,
  type MigrationReport,
} from "@cloud-platform/storage-core";
import {
  loadPlatformConfig,
  type Env,
  type PlatformConfig,
} from "../config.js";
import {
  MIGRATION_PARTS_IN_FLIGHT,
  install,
  type BrowserAccess,
} from "../install.js";
import {
  checkSettings,
  readPlatformSettings,
  settingsBeforeOpening,
  type PlatformSettings,
} from "../settings.js";
import { openPlatformIndex, setUpAttachments } from "../storage.js";
import {
  createProgressReporter,
  formatMigrationReport,
  type Output,
} from "./progress.js";

/** What a command needs from the outside world. */
export interface CommandContext {
  env: Env;
  out: Output;
  err: Output;
  signal?: AbortSignal;
}

/** `check [--json]`: 0 when the environment is fine, 78 with the report otherwise. */
export async function checkCommand(
  ctx: CommandContext,
  argv: string[],
): Promise<number> {
  const config = loadPlatformConfig(ctx.env);
  // Refused whatever the database says: judged without opening (and creating) the file.
  const unopened = settingsBeforeOpening(config);
  if (unopened) return printCheck(ctx, config, argv, unopened);
  const index = await openPlatformIndex(config);
  try {
    return printCheck(ctx, config, argv, await readPlatformSettings(index));
  } finally {
    await index.close();
  }
}

function printCheck(
  ctx: CommandContext,
  config: PlatformConfig,
  argv: string[],
  settings: PlatformSettings,
): number {
  const result = runCheckCli(config.checks, argv, {
    kind: settings.kind,
    location: settings.location,
    dbName: settings.databaseName,
  });
  (result.exitCode === 0 ? ctx.out : ctx.err).write(
    result.output.endsWith("\n") ? result.output : `${result.output}\n`,
  );
  return result.exitCode;
}

/**
 * {@link refuseLikeStartUp} before the index is opened, when the checks refuse whatever it
 * records (a shared environment on a local SQLite file): nothing is created on disk.
 */
export function refuseBeforeOpening(
  ctx: CommandContext,
  config: PlatformConfig,
): number | undefined {
  const unopened = settingsBeforeOpening(config);
  return unopened ? refuseLikeStartUp(ctx, config, unopened) : undefined;
}

/**
 * The commands that move or delete objects run the start-up checks first and refuse exactly
 * as start-up does: the report on stderr and {@link EX_CONFIG} (78); `undefined` when they pass.
 */
export function refuseLikeStartUp(
  ctx: CommandContext,
  config: PlatformConfig,
  settings: PlatformSettings,
): number | undefined {
  const report = checkSettings(config, settings);
  if (report.ok || report.unsafe) return undefined;
  ctx.err.write(formatReport(report));
  return EX_CONFIG;
}

function onItem(
  ctx: CommandContext,
  json: boolean,
  dryRun: boolean,
): ((p: MigrationProgress) => void) | undefined {
  if (!dryRun) return undefined;
  return ({ item }) => {
    ctx.out.write(
      json
        ? `${JSON.stringify({ type: "planned", ...item })}\n`
        : `  ${item.id}  ${item.from} → ${item.to}  ${item.size} B  ${item.name}\n`,
    );
  };
}

function finishReport(
  ctx: CommandContext,
  report: MigrationReport,
  json: boolean,
): number {
  ctx.out.write(formatMigrationReport(report, json));
  if (report.status === "already-running") return 75; // EX_TEMPFAIL: try again later
  return report.status === "done" || report.status === "skipped"
    ? report.failed.length === 0
      ? 0
      : 1
    : 1;
}

/** Migration options the command line may set. */
export type MigrationTuning = Pick<
  MigrateOptions,
  "concurrency" | "batchSize" | "verify"
>;

/**
 * Files the `migrate` and `force-database` commands copy at once unless `--concurrency` says
 * otherwise. Measured (bench/migrate-vs-rclone.bench.ts, BENCH_MIGRATE_SWEEP=1, 2,000 × 10 KB
 * files into the local Swift's S3 API, BENCHMARKS.md): 16 moved them 2.4× faster than
 * core's default of 4, 1.5× faster than 8, and 1.3× faster than 32 (the servers are the
 * ceiling; more requests in flight only queue there), at the same peak RSS (about 133 MB:
 * the bytes-in-flight budget, not the concurrency, bounds memory). Batches of 500 or 1,000
 * rows were slower than 100. The start-up migration keeps core's 4: it runs beside live
 * requests in a serving process.
 */
export const CLI_MIGRATION_CONCURRENCY = 16;

/** `migrate [--dry-run] [--json]` and `force-database [--dry-run] [--json]`. */
export async function migrateCommand(
  ctx: CommandContext,
  flags: {
    dryRun: boolean;
    json: boolean;
    reverse: boolean;
    tuning: MigrationTuning;
  },
): Promise<number> {
  const config = loadPlatformConfig(ctx.env);
  const early = refuseBeforeOpening(ctx, config);
  if (early !== undefined) return early;
  const index = await openPlatformIndex(config);
  try {
    const settings = await readPlatformSettings(index);
    const refused = refuseLikeStartUp(ctx, config, settings);
    if (refused !== undefined) return refused;
    const { attachments, objectStorage } = setUpAttachments(
      config,
      index,
      settings.kind,
      {
        partsInFlight: MIGRATION_PARTS_IN_FLIGHT,
        onWarning: (m) => ctx.err.write(`warning: ${m}\n`),
      },
    );
    try {
      const progress = createProgressReporter(ctx.err, flags.json);
      const items = onItem(ctx, flags.json, flags.dryRun);
      const options = {
        concurrency: CLI_MIGRATION_CONCURRENCY,
        ...flags.tuning,
        dryRun: flags.dryRun,
        holder: "cli",
        onProgress: (p: MigrationProgress) =>
          items ? items(p) : progress.onProgress(p),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      };
      const report = flags.reverse
        ? await attachments.forceDatabase(options)
        : await attachments.migrate(options);
      progress.finish();
      return finishReport(ctx, report, flags.json);
    } finally {
      await objectStorage?.close();
    }
  } finally {
    await index.close();
  }
}

function browserLine(browser: BrowserAccess): string {
  const key =
    browser.tempUrlKey === "not-needed"
      ? ""
      : `TempURL key ${browser.tempUrlKey === "created" ? "set on the container" : "already on the container"}; `;
  const cors = {
    set: "CORS set for CLOUD_PLATFORM_CORS_ORIGINS",
    removed: "CORS rule removed (CLOUD_PLATFORM_CORS_ORIGINS is empty)",
    unchanged: "CORS left as it is (CLOUD_PLATFORM_CORS_ORIGINS unset)",
    unsupported: "CORS not supported by this S3 server",
  }[browser.cors];
  return `browsers: ${key}${cors}\n`;
}

/** `install <exoscale|ovh> [--no-migrate] [--json]`. */
export async function installCommand(
  ctx: CommandContext,
  kind: string | undefined,
  flags: { migrate: boolean; json: boolean },
): Promise<number> {
  const chosen = kind ?? loadPlatformConfig(ctx.env).checks.kind;
  if (chosen !== "exoscale" && chosen !== "ovh") {
    ctx.err.write(
      "install needs a kind: `cloud-platform install exoscale|ovh` (or CLOUD_PLATFORM_KIND)\n",
    );
    return 64;
  }
  const progress = createProgressReporter(ctx.err, flags.json);
  try {
    const result = await install(chosen, {
      env: ctx.env,
      migrate: flags.migrate,
      onProgress: (p) => progress.onProgress(p),
      onWarning: (m) => ctx.err.write(`warning: ${m}\n`),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    progress.finish();
    const head = {
      type: "install",
      kind: result.kind,
      location: result.location,
      browser: result.browser,
    };
    ctx.out.write(
      flags.json
        ? `${JSON.stringify(head)}\n`
        : `installed ${result.kind}: new files go to ${result.location}\n${browserLine(result.browser)}`,
    );
    if (!result.migration) {
      ctx.out.write(
        flags.json
          ? ""
          : "files not moved (--no-migrate): the next upgrade start-up or `cloud-platform migrate` moves them\n",
      );
      return 0;
    }
    return finishReport(ctx, result.migration, flags.json);
  } catch (error) {
    if (isPlatformConfigError(error) && error.report) {
      ctx.err.write(`${error.message}\n`);
      return EX_CONFIG;
    }
    throw error;
  }
}

/** `status [--json]`: kind, environment, location, counts and bytes per location, lock holder. */
export async function statusCommand(
  ctx: CommandContext,
  json: boolean,
): Promise<number> {
  const config = loadPlatformConfig(ctx.env);
  // Read-only, but opening an embedded index creates its file: not on a shared environment.
  const early = refuseBeforeOpening(ctx, config);
  if (early !== undefined) return early;
  const index = await openPlatformIndex(config);
  try {
    const settings = await readPlatformSettings(index);
    const holder = await index.lockHolder(MIGRATION_LOCK);
    const stats = await index.stats();
    const status = {
      environment: config.runningEnv,
      kind: settings.kind ?? null,
      location: settings.location,
      database: index.dialect,
      attachments: stats,
      migrationLock: holder ?? null,
    };
    if (json) {
      ctx.out.write(`${JSON.stringify(status)}\n`);
      return 0;
    }
    const lines = [
      `environment: ${status.environment}`,
      `kind:        ${status.kind ?? "not installed (run `cloud-platform install <kind>`)"}`,
      `location:    ${status.location}`,
      `database:    ${status.database}`,
      "attachments:",
      ...(stats.length === 0
        ? ["  none"]
        : stats.map(
            (s) =>
              `  ${s.location.padEnd(30)} ${String(s.count).padStart(8)} files  ${(s.bytes / 1e6).toFixed(1).padStart(10)} MB`,
          )),
      `migration:   ${holder ? `running (${holder.holder}, pid ${holder.pid} on ${holder.hostname}, since ${holder.acquiredAt.toISOString()})` : "not running"}`,
    ];
    ctx.out.write(`${lines.join("\n")}\n`);
    return 0;
  } finally {
    await index.close();
  }
}
