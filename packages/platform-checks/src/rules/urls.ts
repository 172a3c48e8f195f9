import type { ConfigProblem, Env } from "@cloud-platform/env";
import { PlatformRule } from "../rules.js";
import { readVar } from "../values.js";
import type { ShowFn } from "./format.js";

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function protocolOf(value: string): string | undefined {
  try {
    return new URL(value).protocol;
  } catch {
    return undefined;
  }
}

function endpointOk(value: string, addScheme: boolean): boolean {
  const withScheme =
    addScheme && !SCHEME.test(value) ? `https://${value}` : value;
  const protocol = protocolOf(withScheme);
  return protocol === "https:" || protocol === "http:";
}

function databaseUrlOk(value: string): boolean {
  // Without a scheme DATABASE_URL is a SQLite file path: any path will do.
  if (!SCHEME.test(value)) return true;
  const protocol = protocolOf(value);
  return protocol === "postgres:" || protocol === "postgresql:";
}

/**
 * Endpoints must parse. The values of `ODOO_SESSION_REDIS_URL` and `DATABASE_URL` may hold
 * a password, so their messages never quote them.
 */
export function urlProblems(env: Env, show: ShowFn): ConfigProblem[] {
  const found: ConfigProblem[] = [];
  const bad = (variable: string, message: string, hint: string): void => {
    found.push({ rule: PlatformRule.FormatUrl, variable, message, hint });
  };
  const awsHost = readVar(env, "AWS_HOST");
  if (awsHost !== undefined && !endpointOk(awsHost, true)) {
    bad(
      "AWS_HOST",
      `AWS_HOST=${show(awsHost)} is not an http(s) endpoint.`,
      "Set AWS_HOST to a host name or an http(s) URL, e.g. sos-ch-gva-2.exo.io.",
    );
  }
  const authUrl = readVar(env, "SWIFT_AUTH_URL");
  if (authUrl !== undefined && !endpointOk(authUrl, false)) {
    bad(
      "SWIFT_AUTH_URL",
      `SWIFT_AUTH_URL=${show(authUrl)} is not an http(s) URL.`,
      "Set SWIFT_AUTH_URL to the Keystone URL, e.g. https://auth.cloud.ovh.net/v3.",
    );
  }
  const redisUrl = readVar(env, "ODOO_SESSION_REDIS_URL");
  if (
    redisUrl !== undefined &&
    !["redis:", "rediss:"].includes(protocolOf(redisUrl) ?? "")
  ) {
    bad(
      "ODOO_SESSION_REDIS_URL",
      "ODOO_SESSION_REDIS_URL is set but malformed: not a redis:// or rediss:// URL.",
      "Write it as redis://[:password@]host[:port][/db] (rediss:// for TLS); percent-encode special characters of the password.",
    );
  }
  const databaseUrl = readVar(env, "DATABASE_URL");
  if (databaseUrl !== undefined && !databaseUrlOk(databaseUrl)) {
    bad(
      "DATABASE_URL",
      "DATABASE_URL is set but malformed: neither a postgres:// URL nor a SQLite file path.",
      "Set DATABASE_URL to postgres://user:password@host:5432/dbname, or to a SQLite file path.",
    );
  }
  return found;
}
