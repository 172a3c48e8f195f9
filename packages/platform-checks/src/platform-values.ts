import { show, type ConfigProblem } from "@cloud-platform/env";
import { resolveEnvironment } from "./environment.js";
import type { Environment, PlatformEnv } from "./report.js";
import { formatProblems } from "./rules/format.js";
import { urlProblems } from "./rules/urls.js";
import { secretValues } from "./secrets.js";
import { isOn, readVar } from "./values.js";

/** The write bucket/container of one object store, as configured. */
export interface StoreValues {
  /** The name as given, `{db}` not yet replaced; `undefined` when unset (read only). */
  name: string | undefined;
  /** `*_UNSTRUCTURED`: skip the prod name-shape check. */
  unstructured: boolean;
}

/** Credential variables the checks look for; only whether each is set is kept. */
const CREDENTIAL_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_PROFILE",
  "SWIFT_ACCOUNT",
  "SWIFT_PASSWORD",
  "SWIFT_APPLICATION_CREDENTIAL_ID",
  "SWIFT_APPLICATION_CREDENTIAL_NAME",
  "SWIFT_APPLICATION_CREDENTIAL_SECRET",
] as const;

/**
 * Everything the start-up checks judge, parsed once from the environment (with the one trim
 * policy of `@cloud-platform/env`). Holds no secret value in a field a report prints: secrets
 * are kept only in `secrets`, for redaction. Build it with {@link readPlatformEnv}.
 */
export interface PlatformValues {
  /** Tells a parsed value from an environment (whose values are all strings). */
  readonly parsed: true;
  /** `RUNNING_ENV` as given, trimmed (`''` when unset). */
  readonly runningEnv: string;
  readonly environment: Environment;
  /** `ODOO_CLOUD_PLATFORM_UNSAFE` is on. */
  readonly unsafe: boolean;
  /** `CLOUD_PLATFORM_KIND` as given (it may name no kind: a problem). */
  readonly kind: string | undefined;
  readonly s3: StoreValues;
  readonly swift: StoreValues & {
    /** `SWIFT_AUTH_URL`. */
    authUrl: string | undefined;
    /** `SWIFT_TENANT_NAME` (deprecated alias) is set. */
    tenantName: boolean;
  };
  /** The credential variables that are set (their values are not kept). */
  readonly credentialsSet: ReadonlySet<string>;
  readonly redis: {
    /** `ODOO_SESSION_REDIS` is on. */
    enabled: boolean;
    /** One of `_HOST`, `_SENTINEL_HOST`, `_URL` is set (the URL may hold a password). */
    serverNamed: boolean;
    /** `ODOO_SESSION_REDIS_SENTINEL_HOST`. */
    sentinelHost: string | undefined;
    /** `ODOO_SESSION_REDIS_SENTINEL_MASTER_NAME`. */
    sentinelMaster: string | undefined;
    /** `ODOO_SESSION_REDIS_PREFIX`. */
    prefix: string | undefined;
  };
  /** `SESSION_SECRET` is set. */
  readonly sessionSecret: boolean;
  readonly statsd: {
    /** `ODOO_STATSD` is on. */
    enabled: boolean;
    /** `STATSD_CUSTOMER`. */
    customer: string | undefined;
  };
  /** `DATABASE_URL` (may hold a password: never quoted). */
  readonly databaseUrl: string | undefined;
  /** Every malformed value found while parsing, in report order. */
  readonly formatProblems: readonly ConfigProblem[];
  /** Every secret string of the environment, longest first, for redaction. */
  readonly secrets: readonly string[];
}

/** True when `input` is a {@link PlatformValues}, not an environment. */
export function isPlatformValues(
  input: PlatformEnv | PlatformValues,
): input is PlatformValues {
  return (input as { parsed?: unknown }).parsed === true;
}

/**
 * Parses every variable the start-up checks judge, once. Pure: pass `process.env` at the
 * edge; `loadPlatformConfig` of `@cloud-platform/platform` calls it and keeps the result, so
 * nothing reads the environment again.
 */
export function readPlatformEnv(env: PlatformEnv): PlatformValues {
  const text = (name: string): string | undefined => readVar(env, name);
  const secrets = secretValues(env);
  const shown = (value: string): string => show(value, secrets);
  const store = (name: string, unstructured: string): StoreValues => ({
    name: text(name),
    unstructured: isOn(env, unstructured),
  });
  return {
    parsed: true,
    runningEnv: text("RUNNING_ENV") ?? "",
    environment: resolveEnvironment(text("RUNNING_ENV")),
    unsafe: isOn(env, "ODOO_CLOUD_PLATFORM_UNSAFE"),
    kind: text("CLOUD_PLATFORM_KIND"),
    s3: store("AWS_BUCKETNAME", "AWS_BUCKETNAME_UNSTRUCTURED"),
    swift: {
      ...store("SWIFT_WRITE_CONTAINER", "SWIFT_WRITE_CONTAINER_UNSTRUCTURED"),
      authUrl: text("SWIFT_AUTH_URL"),
      tenantName: text("SWIFT_TENANT_NAME") !== undefined,
    },
    credentialsSet: new Set(
      CREDENTIAL_VARIABLES.filter((name) => text(name) !== undefined),
    ),
    redis: {
      enabled: isOn(env, "ODOO_SESSION_REDIS"),
      serverNamed: [
        "ODOO_SESSION_REDIS_HOST",
        "ODOO_SESSION_REDIS_SENTINEL_HOST",
        "ODOO_SESSION_REDIS_URL",
      ].some((name) => text(name) !== undefined),
      sentinelHost: text("ODOO_SESSION_REDIS_SENTINEL_HOST"),
      sentinelMaster: text("ODOO_SESSION_REDIS_SENTINEL_MASTER_NAME"),
      prefix: text("ODOO_SESSION_REDIS_PREFIX"),
    },
    sessionSecret: text("SESSION_SECRET") !== undefined,
    statsd: {
      enabled: isOn(env, "ODOO_STATSD"),
      customer: text("STATSD_CUSTOMER"),
    },
    databaseUrl: text("DATABASE_URL"),
    formatProblems: formatProblems(env, shown, urlProblems(env, shown)),
    secrets,
  };
}
