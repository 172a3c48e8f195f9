import { PlatformRule } from "../rules.js";
import { readVar } from "../values.js";
import { SHARED_INDEX_ENVIRONMENTS, type RuleContext } from "./context.js";

const POSTGRES = /^postgres(ql)?:\/\//i;

/**
 * The index holds every ref: on a local SQLite file a second front-end sees none of them
 * and the host cannot move. Shared environments need a shared database (`postgres://`);
 * an unset `DATABASE_URL` means the embedded SQLite file, so it is refused there too.
 */
export function checkIndexDatabase(ctx: RuleContext): void {
  if (!SHARED_INDEX_ENVIRONMENTS.has(ctx.environment)) return;
  const url = readVar(ctx.env, "DATABASE_URL");
  if (url !== undefined && POSTGRES.test(url)) return;
  ctx.problem(
    PlatformRule.IndexSharedDatabaseRequired,
    "DATABASE_URL",
    url === undefined
      ? `DATABASE_URL is not set: ${ctx.environment} would keep the attachment index in a local SQLite file, which other front-ends never see and which cannot move with the instance.`
      : `DATABASE_URL names a local SQLite file: ${ctx.environment} needs the attachment index in a shared database, which every front-end sees and which survives a move of the host.`,
    "Set DATABASE_URL to postgres://user:password@host:5432/dbname (SQLite is for dev and test only).",
  );
}
