import type { PlatformValues } from "../platform-values.js";
import { PlatformRule } from "../rules.js";
import { SHARED_INDEX_ENVIRONMENTS, type RuleContext } from "./context.js";

const POSTGRES = /^postgres(ql)?:\/\//i;

/**
 * True when the configuration keeps the index of a shared environment (prod, integration,
 * labs) in a local SQLite file (or leaves `DATABASE_URL` unset): refused whatever the
 * database's settings say, so a caller can refuse before opening, and creating, the file.
 */
export function localIndexRefused(values: PlatformValues): boolean {
  if (values.unsafe || !SHARED_INDEX_ENVIRONMENTS.has(values.environment))
    return false;
  return values.databaseUrl === undefined || !POSTGRES.test(values.databaseUrl);
}

/**
 * The index holds every ref: on a local SQLite file a second front-end sees none of them
 * and the host cannot move. Shared environments need a shared database (`postgres://`);
 * an unset `DATABASE_URL` means the embedded SQLite file, so it is refused there too.
 */
export function checkIndexDatabase(ctx: RuleContext): void {
  if (!localIndexRefused(ctx.values)) return;
  const url = ctx.values.databaseUrl;
  ctx.problem(
    PlatformRule.IndexSharedDatabaseRequired,
    "DATABASE_URL",
    url === undefined
      ? `DATABASE_URL is not set: ${ctx.environment} would keep the attachment index in a local SQLite file, which other front-ends never see and which cannot move with the instance.`
      : `DATABASE_URL names a local SQLite file: ${ctx.environment} needs the attachment index in a shared database, which every front-end sees and which survives a move of the host.`,
    "Set DATABASE_URL to postgres://user:password@host:5432/dbname (SQLite is for dev and test only).",
  );
}
