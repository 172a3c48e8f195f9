import { describe, expect, it } from "@jest/globals";
import { parseStrictBoolean, resolveEnvironment } from "../src/index.js";

describe("parseStrictBoolean", () => {
  it("accepts the true and false words in any case", () => {
    const words = [
      "1",
      "true",
      "TRUE",
      "yes",
      "Yes",
      "on",
      "ON",
      "0",
      "false",
      "False",
      "no",
      "NO",
      "off",
      "Off",
    ];
    expect(words.map(parseStrictBoolean)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('refuses anything else, so "0" is never true and "maybe" is an error', () => {
    for (const word of ["maybe", "y", "n", "2", "enabled", ""])
      expect(parseStrictBoolean(word)).toBeUndefined();
  });

  it("ignores surrounding whitespace, like every reader of the platform", () => {
    expect([" 1", "true ", "\toff\n"].map(parseStrictBoolean)).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe("resolveEnvironment", () => {
  it("maps exact names, labs* values and the dev default, and nothing else", () => {
    const inputs = [
      undefined,
      "",
      "prod",
      "integration",
      "test",
      "dev",
      "labs",
      "labs-finance",
      "labsx",
      "Prod",
      "staging",
      "production",
    ];
    expect(inputs.map(resolveEnvironment)).toEqual([
      "dev",
      "dev",
      "prod",
      "integration",
      "test",
      "dev",
      "labs",
      "labs",
      "labs",
      "unknown",
      "unknown",
      "unknown",
    ]);
  });
});

describe("trim policy shared with the package parsers", () => {
  it('accepts ODOO_STATSD="true " as metrics-statsd does, and judges the trimmed value', async () => {
    const { checkPlatform } = await import("../src/index.js");
    const { statsdOptionsFromEnv } =
      await import("@cloud-platform/metrics-statsd");
    const env = {
      RUNNING_ENV: "dev",
      ODOO_STATSD: "true ",
      STATSD_CUSTOMER: "acme",
    };
    expect(() => statsdOptionsFromEnv(env)).not.toThrow();
    const report = checkPlatform(env, { location: "file" });
    expect(report.problems).toEqual([]);
  });
});
