import { describe, expect, it } from "@jest/globals";
import { isoTimestamp } from "../src/log-record.js";

describe("isoTimestamp", () => {
  it("matches Date#toISOString across milliseconds, seconds and years", () => {
    const samples = [
      0, 1, 9, 10, 99, 100, 999, 1000, 59_999, 1_764_072_000_123,
      1_767_225_599_999, 1_767_225_600_000,
    ];
    for (const ms of samples)
      expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });
});
