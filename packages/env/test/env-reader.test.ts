import { describe, expect, it } from "@jest/globals";
import { createEnvReader, FormatRule } from "../src/index.js";

type Case = [raw: string | undefined, expected: boolean, problem: boolean];

const BOOLEAN_CASES: Case[] = [
  ["1", true, false],
  ["true", true, false],
  ["TRUE", true, false],
  ["Yes", true, false],
  ["on", true, false],
  ["0", false, false],
  ["false", false, false],
  ["No", false, false],
  ["OFF", false, false],
  ["true ", true, false],
  ["\ton\n", true, false],
  ["", false, false],
  ["   ", false, false],
  [undefined, false, false],
  ["maybe", false, true],
  ["2", false, true],
  ["t", false, true],
  ["enabled", false, true],
];

describe("boolean", () => {
  it.each(BOOLEAN_CASES)(
    "reads %j as %j (problem: %j)",
    (raw, expected, problem) => {
      const reader = createEnvReader({ FLAG: raw });
      expect(reader.boolean("FLAG", false)).toBe(expected);
      expect(reader.problems.map((p) => p.rule)).toEqual(
        problem ? [FormatRule.Boolean] : [],
      );
    },
  );

  it("gives the fallback when unset or empty, and for a bad word", () => {
    expect(createEnvReader({}).boolean("FLAG", true)).toBe(true);
    expect(createEnvReader({ FLAG: "" }).boolean("FLAG", true)).toBe(true);
    expect(createEnvReader({ FLAG: "x" }).boolean("FLAG", true)).toBe(true);
  });
});

describe("text", () => {
  it.each([
    [undefined, undefined],
    ["", undefined],
    [" \n", undefined],
    ["acme", "acme"],
    ["  acme-odoo-prod \n", "acme-odoo-prod"],
  ])("reads %j as %j", (raw, expected) => {
    expect(createEnvReader({ NAME: raw }).text("NAME")).toBe(expected);
  });
});

describe("numbers", () => {
  it.each([
    ["6379", 6379, false],
    [" 6380 ", 6380, false],
    ["", 1, false],
    ["0", 1, true],
    ["65536", 1, true],
    ["-1", 1, true],
    ["1e3", 1, true],
    ["80x", 1, true],
  ])("reads the port %j as %j (problem: %j)", (raw, expected, problem) => {
    const reader = createEnvReader({ PORT: raw });
    expect(reader.port("PORT", 1)).toBe(expected);
    expect(reader.problems.length > 0).toBe(problem);
  });

  it.each([
    ["3600", 3600, false],
    ["90s", 90, false],
    ["15m", 900, false],
    ["24h", 86400, false],
    ["7d", 604800, false],
    [" 10 ", 10, false],
    ["0", 5, true],
    ["1.5", 5, true],
    ["soon", 5, true],
  ])(
    "reads the duration %j as %j s (problem: %j)",
    (raw, expected, problem) => {
      const reader = createEnvReader({ TTL: raw });
      expect(reader.duration("TTL", 5)).toBe(expected);
      expect(reader.problems.length > 0).toBe(problem);
    },
  );

  it("reads an integer within its range", () => {
    const reader = createEnvReader({ A: "12", B: "120" });
    expect(reader.integer("A", 0, 1, 100)).toBe(12);
    expect(reader.integer("B", 7, 1, 100)).toBe(7);
    expect(reader.problems.map((p) => [p.variable, p.rule])).toEqual([
      ["B", FormatRule.Integer],
    ]);
  });
});

describe("url", () => {
  const https = {
    protocols: ["https:", "http:"],
    defaultScheme: "https://",
    example: "https://sos-ch-gva-2.exo.io",
  };

  it("adds the default scheme to a bare host", () => {
    const url = createEnvReader({ H: "sos-ch-gva-2.exo.io" }).url("H", https);
    expect(url?.href).toBe("https://sos-ch-gva-2.exo.io/");
  });

  it("refuses another scheme without quoting the password", () => {
    const secret = "p4ss-w0rd-long-enough-to-matter";
    const reader = createEnvReader({ H: `ftp://user:${secret}@host` });
    expect(reader.url("H", https)).toBeUndefined();
    expect(reader.problems).toHaveLength(1);
    expect(JSON.stringify(reader.problems)).not.toContain("p4ss");
  });

  it("remembers the password of a secret URL for redaction", () => {
    const reader = createEnvReader({
      R: "redis://:s3cr%40t-pw@localhost:6379",
    });
    const url = reader.url("R", {
      protocols: ["redis:", "rediss:"],
      secret: true,
      example: "redis://localhost:6379",
    });
    expect(url?.hostname).toBe("localhost");
    expect(reader.secrets).toContain("s3cr@t-pw");
  });
});

describe("secret", () => {
  it("trims like every value but reports surrounding whitespace, never the value", () => {
    const reader = createEnvReader({ S: "abcdefgh\n" });
    expect(reader.secret("S")).toBe("abcdefgh");
    expect(reader.problems.map((p) => p.rule)).toEqual([
      FormatRule.SecretWhitespace,
    ]);
    expect(JSON.stringify(reader.problems)).not.toContain("abcdefgh");
  });

  it("keeps a secret out of another variable's message", () => {
    const key = "AKIAIOSFODNN7EXAMPLEKEYVALUE1234";
    const reader = createEnvReader({ K: key, FLAG: key });
    reader.secret("K");
    reader.boolean("FLAG", false);
    expect(JSON.stringify(reader.problems)).not.toContain(key.slice(0, 8));
  });

  it("treats empty as unset", () => {
    const reader = createEnvReader({ S: "" });
    expect(reader.secret("S")).toBeUndefined();
    expect(reader.problems).toEqual([]);
  });
});

describe("list and required", () => {
  it("splits on commas, trimming and dropping empty items", () => {
    expect(createEnvReader({ L: " a, b ,,c " }).list("L")).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(createEnvReader({}).list("L")).toEqual([]);
  });

  it("records a required variable that is blank", () => {
    const reader = createEnvReader({ R: "  " });
    expect(reader.required("R", "Set R.")).toBeUndefined();
    expect(reader.problems.map((p) => p.rule)).toEqual([FormatRule.Required]);
  });
});
