import { parseArgs } from "node:util";
import {
  checkCommand,
  installCommand,
  migrateCommand,
  statusCommand,
  type CommandContext,
  type MigrationTuning,
} from "./commands.js";
import { fsckCommand, gcCommand } from "./storage-check-commands.js";

export const USAGE = `usage: cloud-platform <command> [options]

  check [--json]                        check the environment (exit 78 when refusing)
  install <exoscale|ovh> [--no-migrate] record the kind, set the location, move files
  migrate [--dry-run] [--json]          move files to where they belong now
          [--concurrency N] [--batch-size N] [--verify full|size]
  force-database [--dry-run] [--json]   move files the force-DB rule keeps in the database back
  status [--json]                       kind, environment, location, files per location, lock
  fsck [--json]                         every ref against the store, by listing (exit 1: broken)
  gc [--dry-run] [--older-than 24h] [--json]
                                        delete orphans of our own bucket past the grace period

Reads the same environment as the application (DATABASE_URL, AWS_*, SWIFT_*, RUNNING_ENV, ...).
`;

/** `--concurrency`, `--batch-size`, `--verify` as migration options, or the problem with them. */
function migrationTuning(values: {
  concurrency?: string | undefined;
  "batch-size"?: string | undefined;
  verify?: string | undefined;
}): MigrationTuning | string {
  const tuning: MigrationTuning = {};
  for (const [flag, name] of [
    ["concurrency", "concurrency"],
    ["batch-size", "batchSize"],
  ] as const) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1 || n > 1000)
      return `--${flag} must be a whole number from 1 to 1000`;
    tuning[name] = n;
  }
  if (values.verify !== undefined) {
    if (values.verify !== "full" && values.verify !== "size")
      return '--verify must be "full" or "size"';
    tuning.verify = values.verify;
  }
  return tuning;
}

/** Runs one CLI command and returns its exit code (64 on a usage error). */
export async function runCli(
  argv: string[],
  ctx: CommandContext,
): Promise<number> {
  const [command, ...rest] = argv;
  if (
    command === undefined ||
    command === "--help" ||
    command === "-h" ||
    command === "help"
  ) {
    ctx.out.write(USAGE);
    return command === undefined ? 64 : 0;
  }
  if (command === "check") return checkCommand(ctx, rest);
  if (command === "fsck" || command === "gc") {
    try {
      return await (command === "fsck"
        ? fsckCommand(ctx, rest)
        : gcCommand(ctx, rest));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS"))
        throw error;
      ctx.err.write(`${(error as Error).message}\n${USAGE}`);
      return 64;
    }
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        json: { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        "no-migrate": { type: "boolean", default: false },
        concurrency: { type: "string" },
        "batch-size": { type: "string" },
        verify: { type: "string" },
      },
    });
  } catch (error) {
    ctx.err.write(`${(error as Error).message}\n${USAGE}`);
    return 64;
  }
  const { json } = parsed.values;
  const dryRun = parsed.values["dry-run"];
  const tuning = migrationTuning(parsed.values);
  if (typeof tuning === "string") {
    ctx.err.write(`${tuning}\n${USAGE}`);
    return 64;
  }
  switch (command) {
    case "install":
      return installCommand(ctx, parsed.positionals[0], {
        migrate: !parsed.values["no-migrate"],
        json,
      });
    case "migrate":
      return migrateCommand(ctx, { dryRun, json, reverse: false, tuning });
    case "force-database":
      return migrateCommand(ctx, { dryRun, json, reverse: true, tuning });
    case "status":
      return statusCommand(ctx, json);
    default:
      ctx.err.write(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 64;
  }
}
