import { PlatformRule } from "../rules.js";
import { OBJECT_STORE_ENVIRONMENTS, type RuleContext } from "./context.js";

const KINDS: ReadonlySet<string> = new Set(["exoscale", "ovh"]);

/**
 * The recorded kind guards the deploy: `CLOUD_PLATFORM_KIND`, when set, must name it, and
 * prod/integration refuse a database where no kind was ever recorded (test and dev only
 * warn: their location stays `file`).
 */
export function checkKind(ctx: RuleContext): void {
  const wanted = ctx.values.kind;
  if (wanted !== undefined && !KINDS.has(wanted)) {
    ctx.problem(
      PlatformRule.KindUnknown,
      "CLOUD_PLATFORM_KIND",
      `CLOUD_PLATFORM_KIND=${ctx.show(wanted)} is not a platform kind.`,
      "Set CLOUD_PLATFORM_KIND to exoscale or ovh, or leave it unset.",
    );
  } else if (
    wanted !== undefined &&
    ctx.recordedKind !== undefined &&
    wanted !== ctx.recordedKind
  ) {
    ctx.problem(
      PlatformRule.KindMismatch,
      "CLOUD_PLATFORM_KIND",
      `CLOUD_PLATFORM_KIND=${ctx.show(wanted)} but the database was installed for "${ctx.recordedKind}".`,
      `Point this deploy at the right database, or move the database with \`cloud-platform install ${wanted}\`.`,
    );
  }
  if (ctx.recordedKind !== undefined) return;
  const record = OBJECT_STORE_ENVIRONMENTS.has(ctx.environment)
    ? ctx.problem
    : ctx.warning;
  record(
    PlatformRule.KindNotRecorded,
    "CLOUD_PLATFORM_KIND",
    "No platform kind is recorded in this database.",
    `Run \`cloud-platform install ${wanted !== undefined && KINDS.has(wanted) ? wanted : "<kind>"}\` (kind: exoscale or ovh).`,
  );
}
