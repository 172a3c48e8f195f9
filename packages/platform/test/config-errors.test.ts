import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ConfigError, isConfigError } from "@cloud-platform/env";
import { isLoggingError, LoggingError } from "@cloud-platform/logging-json";
import { isMetricsError, MetricsError } from "@cloud-platform/metrics-statsd";
import {
  isPlatformConfigError,
  PlatformConfigError,
} from "@cloud-platform/platform-checks";
import {
  isRedisSessionError,
  RedisSessionError,
} from "@cloud-platform/session-redis";
import { isS3ConfigError, S3ConfigError } from "@cloud-platform/storage-s3";
import {
  isSwiftConfigError,
  SwiftConfigError,
} from "@cloud-platform/storage-swift";

const packages = fileURLToPath(new URL("../..", import.meta.url));

type Make = (module: Record<string, unknown>) => unknown;
type Ctor = new (...args: never[]) => unknown;

/** One package error class: its built file, how to make a configuration error with it. */
interface Case {
  name: string;
  /** The package folder and the built file of the class. */
  file: [string, string];
  make: Make;
  guard: (error: unknown) => boolean;
}

const build = (module: Record<string, unknown>, name: string): Ctor =>
  module[name] as Ctor;

const CASES: Case[] = [
  {
    name: "S3ConfigError",
    file: ["storage-s3", "config-error.js"],
    make: (m) =>
      new (build(m, "S3ConfigError") as typeof S3ConfigError)([
        { name: "AWS_REGION", problem: "is required" },
      ]),
    guard: isS3ConfigError,
  },
  {
    name: "SwiftConfigError",
    file: ["storage-swift", "errors.js"],
    make: (m) =>
      new (build(m, "SwiftConfigError") as typeof SwiftConfigError)([
        { name: "SWIFT_AUTH_URL", message: "is required" },
      ]),
    guard: isSwiftConfigError,
  },
  {
    name: "RedisSessionError",
    file: ["session-redis", "errors.js"],
    make: (m) =>
      new (build(m, "RedisSessionError") as typeof RedisSessionError)(
        "E_CONFIG",
        "Invalid Redis session configuration",
        { issues: [{ variable: "ODOO_SESSION_REDIS_PORT", message: "bad" }] },
      ),
    guard: isRedisSessionError,
  },
  {
    name: "LoggingError",
    file: ["logging-json", "errors.js"],
    make: (m) =>
      new (build(m, "LoggingError") as typeof LoggingError)(
        "E_INVALID_ENV",
        "LOG_LEVEL",
        "LOG_LEVEL must be one of error, warn, info, debug",
      ),
    guard: isLoggingError,
  },
  {
    name: "MetricsError",
    file: ["metrics-statsd", "errors.js"],
    make: (m) =>
      new (build(m, "MetricsError") as typeof MetricsError)(
        "E_METRICS_CONFIG",
        "invalid statsd configuration",
        {
          problems: [
            {
              variable: "STATSD_CUSTOMER",
              rule: "required when ODOO_STATSD is on",
              hint: "Set STATSD_CUSTOMER.",
            },
          ],
        },
      ),
    guard: isMetricsError,
  },
  {
    name: "PlatformConfigError",
    file: ["platform-checks", "errors.js"],
    make: (m) =>
      new (build(m, "PlatformConfigError") as typeof PlatformConfigError)(
        "E_INVALID_OPTION",
        "checkPlatform: location must be file, db, s3 or swift.",
      ),
    guard: isPlatformConfigError,
  },
];

/** The module, imported from this test's copy of the package (its sources). */
const THIS_COPY: Record<string, Record<string, unknown>> = {
  S3ConfigError: { S3ConfigError },
  SwiftConfigError: { SwiftConfigError },
  RedisSessionError: { RedisSessionError },
  LoggingError: { LoggingError },
  MetricsError: { MetricsError },
  PlatformConfigError: { PlatformConfigError },
};

/**
 * A second copy of every package, as two versions in one `node_modules` are: the built
 * files copied into a temporary tree, with their own copy of `@cloud-platform/env`.
 */
describe("configuration errors of every package", () => {
  let root = "";
  const second: Record<string, Record<string, unknown>> = {};
  let secondEnv: Record<string, unknown> = {};

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "cp-config-errors-"));
    const envCopy = join(root, "node_modules", "@cloud-platform", "env");
    await cp(join(packages, "env", "dist"), join(envCopy, "dist"), {
      recursive: true,
    });
    await writeFile(
      join(envCopy, "package.json"),
      JSON.stringify({
        name: "@cloud-platform/env",
        type: "module",
        exports: { ".": "./dist/index.js" },
      }),
    );
    await writeFile(
      join(root, "package.json"),
      JSON.stringify({ type: "module" }),
    );
    secondEnv = (await import(
      pathToFileURL(join(envCopy, "dist", "index.js")).href
    )) as Record<string, unknown>;
    for (const c of CASES) {
      const [pkg, file] = c.file;
      const target = join(root, pkg, "dist", file);
      await mkdir(dirname(target), { recursive: true });
      await cp(join(packages, pkg, "dist", file), target);
      second[c.name] = (await import(pathToFileURL(target).href)) as Record<
        string,
        unknown
      >;
    }
  });

  afterAll(async () => {
    if (root !== "") await rm(root, { recursive: true, force: true });
  });

  it("recognises a ConfigError of a second copy of @cloud-platform/env", () => {
    const Foreign = secondEnv.ConfigError as typeof ConfigError;
    const error = new Foreign([
      { variable: "X", rule: "format.boolean", message: "m", hint: "h" },
    ]);
    expect(error instanceof ConfigError).toBe(false);
    expect(isConfigError(error)).toBe(true);
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    "%s is a ConfigError with problems in the one shape",
    (_name, c) => {
      const error = c.make(THIS_COPY[c.name] ?? {}) as ConfigError;
      expect(isConfigError(error)).toBe(true);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.problems.length).toBeGreaterThan(0);
      for (const problem of error.problems)
        expect(problem).toEqual(
          expect.objectContaining({
            variable: expect.any(String) as unknown,
            rule: expect.any(String) as unknown,
            message: expect.any(String) as unknown,
            hint: expect.any(String) as unknown,
          }),
        );
    },
  );

  it.each(CASES.map((c) => [c.name, c] as const))(
    "%s of a second copy of its package is recognised by isConfigError and its own guard",
    (_name, c) => {
      const error = c.make(second[c.name] ?? {});
      expect(isConfigError(error)).toBe(true);
      expect(c.guard(error)).toBe(true);
    },
  );

  it("a Redis or statsd outage is not a configuration error", () => {
    const down = new RedisSessionError("E_UNAVAILABLE", "Redis did not answer");
    const send = new MetricsError("E_STATSD_SEND", "statsd send failed");
    expect(isRedisSessionError(down, "E_UNAVAILABLE")).toBe(true);
    expect(isConfigError(down)).toBe(false);
    expect(isMetricsError(send)).toBe(true);
    expect(isConfigError(send)).toBe(false);
  });
});
