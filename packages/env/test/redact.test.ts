import { describe, expect, it } from "@jest/globals";
import {
  ConfigError,
  cut,
  isConfigError,
  redact,
  redactAndCut,
  show,
} from "../src/index.js";

describe("redact", () => {
  it("removes everything between :// and the last @ of a URL", () => {
    const password = "x".repeat(60) + "@y".repeat(5);
    const out = redact(`AWS_HOST=ftp://user:${password}@host/path`);
    expect(out).toBe("AWS_HOST=ftp://[redacted]@host/path");
  });

  it("removes a password holding a raw @", () => {
    expect(redact("redis://:p@ssw0rd-16chars@localhost:6379")).toBe(
      "redis://[redacted]@localhost:6379",
    );
  });

  it("removes known secrets wherever they stand, longest first", () => {
    const out = redact("k=ABCDEFGH, k2=ABCDEFGHIJ", ["ABCDEFGH", "ABCDEFGHIJ"]);
    expect(out).toBe("k=[redacted], k2=[redacted]");
  });

  it("redacts before it cuts: no prefix of a secret survives the cut", () => {
    const secret = "S".repeat(40);
    const text = `RUNNING_ENV=${secret}`;
    expect(redactAndCut(text, 30, [secret])).toBe("RUNNING_ENV=[redacted]");
    expect(cut(text, 30)).toContain("SSSS");
    const url = `ftp://user:${"p".repeat(70)}@host`;
    expect(redactAndCut(url, 40)).not.toContain("ppp");
  });

  it("quotes, redacts and cuts a value for a message", () => {
    const secret = "K".repeat(40);
    expect(show(secret, [secret])).toBe('"[redacted]"');
    expect(show("a".repeat(200))).toHaveLength(82);
  });
});

describe("ConfigError", () => {
  const problem = {
    variable: "ODOO_STATSD",
    rule: "format.boolean",
    message: "ODOO_STATSD is not a boolean.",
    hint: "Use 1 or 0.",
  };

  it("carries the code E_CONFIG and every problem", () => {
    const error = new ConfigError([problem]);
    expect(error.code).toBe("E_CONFIG");
    expect(error.problems).toEqual([problem]);
    expect(isConfigError(error)).toBe(true);
    expect(isConfigError(error, "E_CONFIG")).toBe(true);
    expect(isConfigError(error, "E_OTHER")).toBe(false);
  });

  it("is recognised across copies of the package (not by instanceof alone)", () => {
    // What another copy's error looks like to this copy: same brand, other class.
    const foreign = Object.assign(new Error("x"), {
      code: "E_CONFIG",
      problems: [problem],
      [Symbol.for("@cloud-platform/env.ConfigError")]: true,
    });
    expect(foreign instanceof ConfigError).toBe(false);
    expect(isConfigError(foreign)).toBe(true);
    expect(
      isConfigError(Object.assign(new Error("x"), { code: "E_CONFIG" })),
    ).toBe(false);
  });

  it("recognises a package's subclass with its own code", () => {
    class S3ConfigError extends ConfigError {
      override name = "S3ConfigError";
      constructor() {
        super([problem], { code: "E_S3_CONFIG" });
      }
    }
    expect(isConfigError(new S3ConfigError(), "E_S3_CONFIG")).toBe(true);
  });
});
