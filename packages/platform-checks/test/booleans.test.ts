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
    for (const word of ["maybe", " 1", "y", "n", "2", "enabled", ""])
      expect(parseStrictBoolean(word)).toBeUndefined();
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
