import { createEnvReader, type Env, type EnvReader } from "@cloud-platform/env";
import type { RedisConnectionOptions } from "./connection-options.js";
import { RedisSessionError, issueProblem, type ConfigIssue } from "./errors.js";
import { DEFAULT_ANONYMOUS_TTL, DEFAULT_TTL } from "./store-options.js";

/** What `ODOO_SESSION_REDIS*` describes. */
export interface RedisSessionEnvOptions {
  /** `ODOO_SESSION_REDIS`: whether sessions live in Redis. */
  enabled: boolean;
  /** Sentinel (wins) > URL (wins) > host/port. */
  connection: RedisConnectionOptions;
  /** `ODOO_SESSION_REDIS_PREFIX`; `''` when unset. */
  prefix: string;
  /** `ODOO_SESSION_REDIS_EXPIRATION`, seconds. */
  ttl: number;
  /** `ODOO_SESSION_REDIS_EXPIRATION_ANONYMOUS`, seconds. */
  anonymousTtl: number;
}

const V = "ODOO_SESSION_REDIS";

/**
 * Maps the `ODOO_SESSION_REDIS*` variables (pure: pass `process.env`). When
 * `ODOO_SESSION_REDIS` is off, only that variable is checked: the others cannot matter.
 * @throws {RedisSessionError} `E_CONFIG` listing every problem at once (`issues`); values
 * are never quoted, so a password can never leak through the error.
 */
export function redisSessionOptionsFromEnv(env: Env): RedisSessionEnvOptions {
  const issues: ConfigIssue[] = [];
  const read = createEnvReader(env);
  const enabled = read.boolean(V, false);
  const result: RedisSessionEnvOptions = {
    enabled,
    connection: { mode: "standalone", host: "localhost", port: 6379 },
    prefix: read.text(`${V}_PREFIX`) ?? "",
    ttl: DEFAULT_TTL,
    anonymousTtl: DEFAULT_ANONYMOUS_TTL,
  };
  if (enabled) {
    result.connection = readConnection(env, read, issues);
    result.ttl = read.integer(`${V}_EXPIRATION`, DEFAULT_TTL, 1);
    result.anonymousTtl = read.integer(
      `${V}_EXPIRATION_ANONYMOUS`,
      DEFAULT_ANONYMOUS_TTL,
      1,
    );
    if (/\s/.test(result.prefix)) {
      issues.push({
        variable: `${V}_PREFIX`,
        message: "must not contain whitespace",
      });
    }
  }
  // The reader's hints say the rule without quoting the value (a password pasted in the
  // wrong variable must not leak through this error).
  const quiet = read.problems.map((p) => ({ ...p, message: p.hint }));
  issues.unshift(
    ...quiet.map((p) => ({ variable: p.variable, message: p.message })),
  );
  if (issues.length > 0) {
    const lines = issues.map((i) => `${i.variable}: ${i.message}`).join("; ");
    const own = issues.slice(quiet.length).map(issueProblem);
    throw new RedisSessionError(
      "E_CONFIG",
      `Invalid Redis session configuration: ${lines}`,
      { issues, problems: [...quiet, ...own] },
    );
  }
  return result;
}

function readConnection(
  env: Env,
  read: EnvReader,
  issues: ConfigIssue[],
): RedisConnectionOptions {
  // Untrimmed: spaces may be part of a password (the platform's checks flag them).
  const raw = env[`${V}_PASSWORD`];
  const password = raw === "" ? undefined : raw;
  const sentinelHosts = read.text(`${V}_SENTINEL_HOST`);
  const masterName = read.text(`${V}_SENTINEL_MASTER_NAME`);
  const sentinelPort = read.port(`${V}_SENTINEL_PORT`, 26379);
  const url = read.text(`${V}_URL`);
  const port = read.port(`${V}_PORT`, 6379);
  const host = read.text(`${V}_HOST`) ?? "localhost";
  if (masterName !== undefined && sentinelHosts === undefined) {
    issues.push({
      variable: `${V}_SENTINEL_HOST`,
      message: `required when ${V}_SENTINEL_MASTER_NAME is set`,
    });
  }
  if (sentinelHosts !== undefined) {
    const sentinels = parseSentinels(sentinelHosts, sentinelPort, issues);
    if (masterName === undefined) {
      issues.push({
        variable: `${V}_SENTINEL_MASTER_NAME`,
        message: `required when ${V}_SENTINEL_HOST is set`,
      });
    }
    return {
      mode: "sentinel",
      sentinels,
      masterName: masterName ?? "",
      password,
    };
  }
  if (url !== undefined) {
    if (!/^rediss?:\/\/[^/]/i.test(url) || !URL.canParse(url)) {
      // The URL may embed a password: describe the rule, never the value.
      issues.push({
        variable: `${V}_URL`,
        message: "must be a redis:// or rediss:// URL with a host",
      });
    }
    return { mode: "url", url, password };
  }
  return { mode: "standalone", host, port, password };
}

function parseSentinels(
  list: string,
  defaultPort: number,
  issues: ConfigIssue[],
): { host: string; port: number }[] {
  const sentinels: { host: string; port: number }[] = [];
  for (const entry of list.split(",").map((s) => s.trim())) {
    const match = /^([^\s:]+|\[[0-9a-fA-F:.]+\])(?::(\d{1,5}))?$/.exec(entry);
    const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
    if (!match?.[1] || port < 1 || port > 65535) {
      issues.push({
        variable: `${V}_SENTINEL_HOST`,
        message: `"${entry}" is not a host or host:port`,
      });
      continue;
    }
    sentinels.push({ host: match[1].replace(/^\[|\]$/g, ""), port });
  }
  return sentinels;
}
