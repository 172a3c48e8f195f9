import { describe, expect, it } from "@jest/globals";
import {
  assertPlatform,
  checkPlatform,
  EX_CONFIG,
  EX_USAGE,
  formatReport,
  isPlatformConfigError,
  PlatformConfigError,
  reportToJson,
  runCheckCli,
  type AttachmentLocation,
  type CheckPlatformOptions,
} from "../src/index.js";
import { goodEnv } from "./fixtures.js";

const badProd = {
  ...goodEnv("prod", "exoscale"),
  AWS_BUCKETNAME: "acme-odoo-integration",
  ODOO_STATSD: "1",
};
const prodOptions: CheckPlatformOptions = { kind: "exoscale", location: "s3" };

describe("checkPlatform reports", () => {
  it("names the running environment as given and as resolved", () => {
    const report = checkPlatform(goodEnv("labs-finance", "ovh"), {
      kind: "ovh",
      location: "swift",
    });
    expect(report).toMatchObject({
      ok: true,
      environment: "labs",
      runningEnv: "labs-finance",
      unsafe: false,
    });
  });

  it("defaults to dev when RUNNING_ENV is unset or empty", () => {
    expect(
      checkPlatform({ RUNNING_ENV: "" }, { location: "file" }).environment,
    ).toBe("dev");
  });

  it("stamps every problem with the environment and gives it a message and a hint", () => {
    const report = checkPlatform(badProd, prodOptions);
    expect(report.problems).toHaveLength(2);
    for (const problem of report.problems) {
      expect(problem.environment).toBe("prod");
      expect(problem.message.length).toBeGreaterThan(10);
      expect(problem.hint.length).toBeGreaterThan(10);
    }
  });

  it("says loudly in a warning that the unsafe bypass skipped every check", () => {
    const report = checkPlatform(
      { RUNNING_ENV: "prod", ODOO_CLOUD_PLATFORM_UNSAFE: "ON" },
      { location: "file" },
    );
    expect(report).toMatchObject({ ok: true, unsafe: true, problems: [] });
    expect(report.warnings[0]?.message).toMatch(
      /EVERY START-UP CHECK WAS SKIPPED/,
    );
    expect(formatReport(report)).toMatch(/START-UP CHECKS SKIPPED/);
  });
});

describe("formatReport", () => {
  it("writes one block per problem with its variable, rule and hint", () => {
    const report = checkPlatform(badProd, prodOptions);
    const text = formatReport(report);
    expect(text).toMatch(
      /^cloud-platform: refusing to start: 2 problems \(environment: prod\)/,
    );
    for (const problem of report.problems) {
      expect(text).toContain(`${problem.variable}  [${problem.rule}]`);
      expect(text).toContain(`hint: ${problem.hint}`);
    }
  });

  it("says OK and lists the warnings when the platform may start", () => {
    const text = formatReport(
      checkPlatform({ RUNNING_ENV: "dev" }, { location: "file" }),
    );
    expect(text).toMatch(
      /^cloud-platform: configuration OK \(environment: dev\)/,
    );
    expect(text).toContain("CLOUD_PLATFORM_KIND  [kind.not-recorded]");
  });
});

describe("reportToJson", () => {
  it("gives the report fields with a layout version", () => {
    const report = checkPlatform(badProd, prodOptions);
    expect(JSON.parse(reportToJson(report))).toEqual({ version: 1, ...report });
  });
});

describe("assertPlatform", () => {
  it("throws a PlatformConfigError holding the report, with the text report as message", () => {
    let caught: unknown;
    try {
      assertPlatform(badProd, prodOptions);
    } catch (error) {
      caught = error;
    }
    expect(isPlatformConfigError(caught, "E_PLATFORM_CONFIG")).toBe(true);
    const error = caught as PlatformConfigError;
    expect(error.report?.problems.map((p) => p.rule).sort()).toEqual([
      "statsd.customer-required",
      "storage.prod-bucket-shape",
    ]);
    expect(error.message).toBe(
      formatReport(checkPlatform(badProd, prodOptions)),
    );
  });

  it("returns the report when the platform may start", () => {
    expect(
      assertPlatform(goodEnv("prod", "ovh"), { kind: "ovh", location: "swift" })
        .ok,
    ).toBe(true);
  });

  it("rejects invalid options with E_INVALID_OPTION", () => {
    const bad: unknown[] = [
      { location: "disk" },
      { location: "file", kind: "aws" },
      { location: "file", recordedKind: "aws" },
      { location: "file", appName: "My App" },
    ];
    for (const options of bad) {
      expect(() => checkPlatform({}, options as CheckPlatformOptions)).toThrow(
        expect.objectContaining({
          name: "PlatformConfigError",
          code: "E_INVALID_OPTION",
        }),
      );
    }
  });
});

describe("runCheckCli", () => {
  const location: AttachmentLocation = "s3";

  it("exits 0 with the text report when the platform may start", () => {
    const result = runCheckCli(goodEnv("prod", "exoscale"), [], {
      kind: "exoscale",
      location,
    });
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/configuration OK/);
  });

  it("exits 78 (EX_CONFIG) with the JSON report when refusing with --json", () => {
    const result = runCheckCli(badProd, ["--json"], {
      kind: "exoscale",
      location,
    });
    expect(EX_CONFIG).toBe(78);
    expect(result.exitCode).toBe(EX_CONFIG);
    expect((JSON.parse(result.output) as { ok: boolean }).ok).toBe(false);
  });

  it("exits 64 (EX_USAGE) on an unknown argument", () => {
    const result = runCheckCli({}, ["--jsn"], { location: "file" });
    expect(result.exitCode).toBe(EX_USAGE);
    expect(result.output).toMatch(/unknown argument "--jsn"/);
  });
});
