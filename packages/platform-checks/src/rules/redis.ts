import { PlatformRule } from "../rules.js";
import { escapeRegExp } from "../values.js";
import { REDIS_ENVIRONMENTS, type RuleContext } from "./context.js";

/**
 * The prefix keeps environments apart in a shared Redis, so its last part is the running
 * environment: any `labs*` value counts as `labs` (as in the origin), so `RUNNING_ENV=labs-42`
 * takes `acme-odoo-labs`.
 */
function checkPrefix(ctx: RuleContext): void {
  const prefix = ctx.values.redis.prefix;
  const envName = ctx.environment === "labs" ? "labs" : ctx.runningEnv;
  const expected = `<client>-${ctx.appName}-${envName}`;
  if (prefix === undefined) {
    ctx.problem(
      PlatformRule.RedisPrefixRequired,
      "ODOO_SESSION_REDIS_PREFIX",
      `ODOO_SESSION_REDIS_PREFIX is not set: sessions of every instance sharing the Redis would mix.`,
      `Set ODOO_SESSION_REDIS_PREFIX to ${expected}.`,
    );
    return;
  }
  const shape = new RegExp(
    `^[a-z0-9-]+-${escapeRegExp(ctx.appName)}-${escapeRegExp(envName)}$`,
  );
  if (shape.test(prefix)) return;
  ctx.problem(
    PlatformRule.RedisPrefixShape,
    "ODOO_SESSION_REDIS_PREFIX",
    `ODOO_SESSION_REDIS_PREFIX=${ctx.show(prefix)} does not match ${expected} (RUNNING_ENV=${ctx.show(ctx.runningEnv)}).`,
    `Set ODOO_SESSION_REDIS_PREFIX to ${expected}, lower-case letters, digits and dashes.`,
  );
}

function checkRequired(ctx: RuleContext): void {
  if (!ctx.values.redis.enabled) {
    ctx.problem(
      PlatformRule.RedisRequired,
      "ODOO_SESSION_REDIS",
      `Sessions are not in Redis on ${ctx.environment}: they would be lost on the next deploy and not shared between front-ends.`,
      "Set ODOO_SESSION_REDIS=1.",
    );
  }
  if (!ctx.values.redis.serverNamed) {
    ctx.problem(
      PlatformRule.RedisHostRequired,
      "ODOO_SESSION_REDIS_HOST",
      "No Redis server is named (ODOO_SESSION_REDIS_HOST, _SENTINEL_HOST and _URL are all unset).",
      "Set ODOO_SESSION_REDIS_HOST (or ODOO_SESSION_REDIS_SENTINEL_HOST with _MASTER_NAME, or ODOO_SESSION_REDIS_URL).",
    );
  }
  checkPrefix(ctx);
}

/**
 * Sessions shared through Redis must be signed with one secret on every front-end: without
 * `SESSION_SECRET` each process would sign with its own random one, so the platform refuses
 * to start (here, before any work) rather than later with a plain error.
 */
function checkSessionSecret(ctx: RuleContext): void {
  if (!ctx.values.redis.enabled || ctx.values.sessionSecret) return;
  ctx.problem(
    PlatformRule.SessionSecretRequired,
    "SESSION_SECRET",
    "Sessions live in Redis but SESSION_SECRET is not set: every front-end must sign session cookies with the same secret.",
    "Set SESSION_SECRET to a long random value (comma-separated values for rotation: the first signs, all verify).",
  );
}

/**
 * Redis rules: required on prod, integration, labs and test; sentinel mode needs a master;
 * Redis sessions need `SESSION_SECRET`.
 */
export function checkRedis(ctx: RuleContext): void {
  if (REDIS_ENVIRONMENTS.has(ctx.environment)) checkRequired(ctx);
  checkSessionSecret(ctx);
  const { sentinelHost, sentinelMaster } = ctx.values.redis;
  if (sentinelHost !== undefined && sentinelMaster === undefined) {
    ctx.problem(
      PlatformRule.RedisSentinelMasterRequired,
      "ODOO_SESSION_REDIS_SENTINEL_MASTER_NAME",
      "ODOO_SESSION_REDIS_SENTINEL_HOST is set without ODOO_SESSION_REDIS_SENTINEL_MASTER_NAME.",
      "Set ODOO_SESSION_REDIS_SENTINEL_MASTER_NAME to the master group the sentinels watch (e.g. mymaster).",
    );
  }
}
