import { PlatformConfigError, PlatformConfigErrorCode } from "./errors.js";
import { formatReport } from "./format-report.js";
import type {
  AttachmentLocation,
  CheckReport,
  Environment,
  PlatformEnv,
  PlatformKind,
  Problem,
} from "./report.js";
import { PlatformRule } from "./rules.js";
import type { RecordFn, RuleContext } from "./rules/context.js";
import { checkIndexDatabase } from "./rules/index-database.js";
import { checkKind } from "./rules/kind.js";
import { checkRedis } from "./rules/redis.js";
import { checkStatsd } from "./rules/statsd.js";
import { checkStorage } from "./rules/storage.js";
import { REDACTED, redact, show } from "@cloud-platform/env";
import {
  isPlatformValues,
  readPlatformEnv,
  type PlatformValues,
} from "./platform-values.js";

/** Options of {@link checkPlatform}: what the settings of the index database say. */
export interface CheckPlatformOptions {
  /**
   * The platform kind whose object store is expected, usually the kind recorded in the
   * settings. `undefined`: no kind known.
   */
  kind?: PlatformKind | undefined;
  /** The `attachment.location` setting. Required. */
  location: AttachmentLocation;
  /** The `<app>` part of bucket, container and Redis prefix names. @default 'odoo' */
  appName?: string;
  /**
   * The kind recorded in the settings, when it differs from `kind` (e.g. `install(kind)`
   * checking the kind it is about to record). `undefined` given explicitly: none recorded.
   * @default kind
   */
  recordedKind?: PlatformKind | undefined;
  /**
   * The index database's name, which replaces `{db}` in the bucket/container names before
   * they are judged (an integration copy of a database named like prod's must not reach
   * prod's bucket through the placeholder). `undefined`: not known yet, `{db}` stands for an
   * ordinary name.
   */
  dbName?: string | undefined;
}

const KINDS: readonly unknown[] = ["exoscale", "ovh", undefined];
const LOCATIONS: readonly unknown[] = ["file", "db", "s3", "swift"];
const APP_NAME = /^[a-z0-9][a-z0-9-]*$/;

function invalid(message: string): PlatformConfigError {
  return new PlatformConfigError(
    PlatformConfigErrorCode.InvalidOption,
    message,
  );
}

function validateOptions(options: CheckPlatformOptions): void {
  if (!KINDS.includes(options.kind))
    throw invalid(
      'checkPlatform: kind must be "exoscale", "ovh" or undefined.',
    );
  if (!KINDS.includes(options.recordedKind))
    throw invalid(
      'checkPlatform: recordedKind must be "exoscale", "ovh" or undefined.',
    );
  if (!LOCATIONS.includes(options.location))
    throw invalid(
      'checkPlatform: location must be "file", "db", "s3" or "swift".',
    );
  if (options.appName !== undefined && !APP_NAME.test(options.appName)) {
    throw invalid(
      "checkPlatform: appName must be lower-case letters, digits and dashes.",
    );
  }
}

function unsafeReport(
  environment: Environment,
  runningEnv: string,
): CheckReport {
  const warning: Problem = {
    variable: "ODOO_CLOUD_PLATFORM_UNSAFE",
    rule: PlatformRule.Unsafe,
    environment,
    message:
      "ODOO_CLOUD_PLATFORM_UNSAFE is on: EVERY START-UP CHECK WAS SKIPPED. Nothing protects this instance from writing to the wrong bucket or losing files and sessions.",
    hint: "Unset ODOO_CLOUD_PLATFORM_UNSAFE as soon as the emergency is over.",
  };
  return {
    ok: true,
    environment,
    runningEnv,
    unsafe: true,
    problems: [],
    warnings: [warning],
  };
}

function checkEnvironment(ctx: RuleContext): void {
  if (ctx.environment !== "unknown") return;
  // Not quoted, not even in part: a value that names no environment may be a pasted key.
  ctx.problem(
    PlatformRule.EnvironmentUnknown,
    "RUNNING_ENV",
    "RUNNING_ENV is not an environment this platform knows (its value is not shown: it may be a pasted secret).",
    "Set RUNNING_ENV to prod, integration, test, dev or labs* (e.g. labs-finance).",
  );
}

/** The malformed values the parse found (booleans, numbers, URLs, secrets with spaces). */
function checkFormats(ctx: RuleContext): void {
  for (const p of ctx.values.formatProblems)
    ctx.problem(p.rule as PlatformRule, p.variable, p.message, p.hint);
}

/** Every rule, in report order. */
const RULES: readonly ((ctx: RuleContext) => void)[] = [
  checkEnvironment,
  checkKind,
  checkFormats,
  checkStorage,
  checkIndexDatabase,
  checkRedis,
  checkStatsd,
];

/** Every finding goes through the secret scrubber on its way into the report. */
function recorder(
  into: Problem[],
  environment: Environment,
  secrets: readonly string[],
): RecordFn {
  return (rule, variable, message, hint) => {
    const scrubbed = {
      message: redact(message, secrets),
      hint: redact(hint, secrets),
    };
    into.push({ variable, rule, environment, ...scrubbed });
  };
}

/**
 * Checks the configuration against every start-up rule (DESIGN.md "Start-up checks") and
 * reports all problems at once. `input` is the parsed configuration ({@link readPlatformEnv},
 * what `loadPlatformConfig` keeps) or an environment, parsed here. Pure: reads only `input`
 * and `options`. Secret values never appear in the report. `ODOO_CLOUD_PLATFORM_UNSAFE` on
 * skips every rule and says so in a warning.
 *
 * @throws {PlatformConfigError} `E_INVALID_OPTION` when an option is invalid.
 */
export function checkPlatform(
  input: PlatformEnv | PlatformValues,
  options: CheckPlatformOptions,
): CheckReport {
  validateOptions(options);
  const values = isPlatformValues(input) ? input : readPlatformEnv(input);
  const { runningEnv, environment, secrets } = values;
  // RUNNING_ENV is no secret, but whatever an operator pasted there must not leak either:
  // a value naming no environment is never echoed, a known one is redacted all the same.
  const shownEnv =
    environment === "unknown" ? REDACTED : redact(runningEnv, secrets);
  if (values.unsafe) return unsafeReport(environment, shownEnv);
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const recordedKind =
    "recordedKind" in options ? options.recordedKind : options.kind;
  const ctx: RuleContext = {
    values,
    environment,
    runningEnv,
    kind: options.kind ?? recordedKind,
    recordedKind,
    location: options.location,
    appName: options.appName ?? "odoo",
    dbName: options.dbName,
    show: (value) => show(value, secrets),
    problem: recorder(problems, environment, secrets),
    warning: recorder(warnings, environment, secrets),
  };
  for (const rule of RULES) rule(ctx);
  const ok = problems.length === 0;
  return {
    ok,
    environment,
    runningEnv: shownEnv,
    unsafe: false,
    problems,
    warnings,
  };
}

/**
 * {@link checkPlatform}, throwing when the platform must not start. Returns the report
 * (with its warnings) when it may.
 *
 * @throws {PlatformConfigError} `E_PLATFORM_CONFIG` with the report when a rule is broken;
 *   its message is the text report. `E_INVALID_OPTION` when an option is invalid.
 */
export function assertPlatform(
  input: PlatformEnv | PlatformValues,
  options: CheckPlatformOptions,
): CheckReport {
  const report = checkPlatform(input, options);
  if (!report.ok)
    throw new PlatformConfigError(
      PlatformConfigErrorCode.Refused,
      formatReport(report),
      report,
    );
  return report;
}
