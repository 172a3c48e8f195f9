import { describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { probePlatform, runCheckCli, type PlatformEnv } from "../src/index.js";

/** `length` characters that are letters and digits only, unlikely to occur by chance. */
function token(length: number): string {
  let out = "";
  while (out.length < length)
    out += randomBytes(length)
      .toString("base64")
      .replace(/[^A-Za-z0-9]/g, "");
  return out.slice(0, length);
}

/** The longest run of `secret` found in `text` (0: no part of it, 3 or less: chance). */
function leakedPart(text: string, secret: string): number {
  let longest = 0;
  for (let start = 0; start < secret.length; start += 1) {
    for (let end = secret.length; end - start > longest; end -= 1) {
      if (text.includes(secret.slice(start, end))) longest = end - start;
    }
  }
  return longest;
}

function checkJson(env: PlatformEnv): string {
  const result = runCheckCli(env, ["--json"], { location: "file" });
  expect(result.exitCode).toBe(78);
  return result.output;
}

/**
 * A value is redacted before it is cut (#15 defect 4): cutting first leaves a secret's
 * prefix that the scrubber no longer recognises. The cases are the issue's.
 */
describe("check --json never leaks part of a secret cut off in a message", () => {
  it("redacts a 70-character password of AWS_HOST=ftp://user:<password>@host", () => {
    const password = token(70);
    const output = checkJson({ AWS_HOST: `ftp://user:${password}@host` });
    expect(output).toContain("AWS_HOST");
    expect(leakedPart(output, password)).toBeLessThan(4);
  });

  it("redacts a 16-character password holding a raw @ (everything up to the last @ of the authority)", () => {
    const password = `${token(7)}@${token(8)}`;
    const output = checkJson({ AWS_HOST: `ftp://user:${password}@host` });
    expect(leakedPart(output, password.replace("@", ""))).toBeLessThan(4);
    expect(leakedPart(output, password.split("@")[0] ?? "")).toBeLessThan(4);
    expect(leakedPart(output, password.split("@")[1] ?? "")).toBeLessThan(4);
  });

  it("shows no part of a 40-character key pasted into RUNNING_ENV, known secret or not", () => {
    const key = token(40);
    for (const env of [
      { RUNNING_ENV: key },
      { RUNNING_ENV: key, AWS_SECRET_ACCESS_KEY: key },
    ]) {
      const output = checkJson(env);
      expect(output).toContain("environment.unknown");
      expect(leakedPart(output, key)).toBeLessThan(4);
    }
  });

  it("redacts a known secret pasted at the end of a long non-secret value", () => {
    const secret = token(40);
    const output = checkJson({
      AWS_SECRET_ACCESS_KEY: secret,
      CLOUD_PLATFORM_KIND: `${"x".repeat(60)}${secret}`,
    });
    expect(output).toContain("kind.unknown");
    expect(leakedPart(output, secret)).toBeLessThan(4);
  });
});

describe("probePlatform never leaks part of a secret cut off at 300 characters", () => {
  const failing = (message: string) => (): Promise<void> =>
    Promise.reject(new Error(message));

  it("redacts a URL password straddling the cut", async () => {
    const password = token(70);
    const problems = await probePlatform({
      database: failing(
        `${"y".repeat(250)} postgres://odoo:${password}@db.internal/acme`,
      ),
    });
    expect(problems).toHaveLength(1);
    expect(leakedPart(JSON.stringify(problems), password)).toBeLessThan(4);
  });

  it("redacts a known secret straddling the cut", async () => {
    const secret = token(60);
    const problems = await probePlatform(
      { redis: failing(`${"z".repeat(260)}${secret}`) },
      { env: { ODOO_SESSION_REDIS_PASSWORD: secret } },
    );
    expect(problems).toHaveLength(1);
    expect(leakedPart(JSON.stringify(problems), secret)).toBeLessThan(4);
  });
});
