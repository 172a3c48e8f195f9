import { describe, expect, it } from "@jest/globals";
import { uuidv7 } from "../src/index.js";

describe("uuidv7", () => {
  it("sorts ids made within the same millisecond in creation order", () => {
    const now = Date.now() + 60_000;
    const ids = Array.from({ length: 5000 }, () => uuidv7(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("sets the version and variant bits of RFC 9562", () => {
    expect(uuidv7()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
