import { resolveEnvironment } from "./environment.js";
import { PlatformConfigError, PlatformConfigErrorCode } from "./errors.js";
import type { PlatformEnv, PlatformKind, Problem } from "./report.js";
import { PlatformRule } from "./rules.js";
import { redactAndCut } from "@cloud-platform/env";
import { secretValues } from "./secrets.js";
import { readVar } from "./values.js";

/**
 * One live check: resolves when the service answers, rejects otherwise. It should stop its
 * work when `signal` aborts (the probe timed out).
 */
export type Probe = (signal: AbortSignal) => Promise<void>;

/** The live checks to run; the platform wires them to its real clients. */
export interface PlatformProbes {
  /** Redis PING. */
  redis?: Probe;
  /** HEAD of the write bucket/container. */
  bucket?: Probe;
  /** A Keystone token request. */
  keystone?: Probe;
  /** A connection to the index database. */
  database?: Probe;
}

/** Options of {@link probePlatform}. */
export interface ProbePlatformOptions {
  /** How long one probe may take before it counts as failed, in ms. @default 5000 */
  timeoutMs?: number;
  /**
   * The environment variables: they give the problems' environment and variable names, and
   * their secret values are scrubbed from error messages. @default {}
   */
  env?: PlatformEnv;
  /** The platform kind, to name the bucket (S3) or container (Swift) variable. @default none */
  kind?: PlatformKind | undefined;
}

type ProbeName = keyof PlatformProbes;

const RULES: Record<ProbeName, PlatformRule> = {
  redis: PlatformRule.ProbeRedis,
  bucket: PlatformRule.ProbeBucket,
  keystone: PlatformRule.ProbeKeystone,
  database: PlatformRule.ProbeDatabase,
};

const HINTS: Record<ProbeName, string> = {
  redis:
    "Check the Redis host/sentinel/URL, the password and that Redis is up and reachable from this host.",
  bucket:
    "Check the bucket/container name, the credentials and that the object store is reachable.",
  keystone:
    "Check SWIFT_AUTH_URL, SWIFT_ACCOUNT, SWIFT_PASSWORD and SWIFT_PROJECT_NAME (or SWIFT_APPLICATION_CREDENTIAL_*) and that Keystone is reachable.",
  database:
    "Check DATABASE_URL and that the database is up and reachable from this host.",
};

function variableOf(
  name: ProbeName,
  env: PlatformEnv,
  kind: PlatformKind | undefined,
): string {
  const firstSet = (...names: string[]): string =>
    names.find((n) => readVar(env, n) !== undefined) ??
    names[names.length - 1] ??
    "";
  switch (name) {
    case "redis":
      return firstSet(
        "ODOO_SESSION_REDIS_SENTINEL_HOST",
        "ODOO_SESSION_REDIS_URL",
        "ODOO_SESSION_REDIS_HOST",
      );
    case "bucket":
      if (kind === "exoscale") return "AWS_BUCKETNAME";
      if (kind === "ovh") return "SWIFT_WRITE_CONTAINER";
      return firstSet("SWIFT_WRITE_CONTAINER", "AWS_BUCKETNAME");
    case "keystone":
      return "SWIFT_AUTH_URL";
    case "database":
      return "DATABASE_URL";
  }
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message: string;
  cause?: unknown;
}

// Duck-typed, not `instanceof Error`: errors from another realm (a VM context, a worker)
// are errors too.
function isErrorLike(value: unknown): value is ErrorLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ErrorLike).message === "string"
  );
}

/**
 * Error name, code and message down the cause chain, redacted, then bounded in length (cut
 * first, a secret or a URL's password straddling the cut would leak its prefix).
 */
function describe(error: unknown, secrets: readonly string[]): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (
    let depth = 0;
    depth < 4 && current !== undefined && current !== null;
    depth += 1
  ) {
    if (!isErrorLike(current)) {
      parts.push(
        typeof current === "string" ? current : `a thrown ${typeof current}`,
      );
      break;
    }
    const name = typeof current.name === "string" ? current.name : "Error";
    const code = typeof current.code === "string" ? ` ${current.code}` : "";
    parts.push(`${name}${code}: ${current.message}`);
    current = current.cause;
  }
  return redactAndCut(parts.join(" <- "), 300, secrets);
}

class ProbeTimeout extends Error {}

/** Runs the probe; resolves with the failure text, or undefined when it answered in time. */
async function runOne(
  probe: Probe,
  timeoutMs: number,
  secrets: readonly string[],
): Promise<string | undefined> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new ProbeTimeout());
      controller.abort();
    }, timeoutMs);
  });
  const running = Promise.resolve().then(() => probe(controller.signal));
  // A probe that fails after its timeout must not become an unhandled rejection.
  running.catch(() => undefined);
  try {
    await Promise.race([running, timeout]);
    return undefined;
  } catch (error) {
    return error instanceof ProbeTimeout
      ? `timed out: no answer within ${timeoutMs} ms`
      : `failed: ${describe(error, secrets)}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the given live probes at once, each bounded by `timeoutMs`, and returns one problem
 * (rule `probe.<name>`) per probe that failed or timed out; an empty array when all
 * answered. Never rejects for a failing probe; error texts are scrubbed of secrets.
 *
 * @throws {PlatformConfigError} `E_INVALID_OPTION` when `timeoutMs` is not a positive number.
 */
export async function probePlatform(
  probes: PlatformProbes,
  options: ProbePlatformOptions = {},
): Promise<Problem[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new PlatformConfigError(
      PlatformConfigErrorCode.InvalidOption,
      "probePlatform: timeoutMs must be a positive number of milliseconds.",
    );
  }
  const env = options.env ?? {};
  const environment = resolveEnvironment(readVar(env, "RUNNING_ENV"));
  const secrets = secretValues(env);
  const names = (Object.keys(RULES) as ProbeName[]).filter(
    (name) => probes[name] !== undefined,
  );
  const outcomes = await Promise.all(
    names.map((name) => runOne(probes[name] as Probe, timeoutMs, secrets)),
  );
  const problems: Problem[] = [];
  names.forEach((name, index) => {
    const outcome = outcomes[index];
    if (outcome === undefined) return;
    problems.push({
      variable: variableOf(name, env, options.kind),
      rule: RULES[name],
      environment,
      message: `The ${name} probe ${outcome}.`,
      hint: HINTS[name],
    });
  });
  return problems;
}
