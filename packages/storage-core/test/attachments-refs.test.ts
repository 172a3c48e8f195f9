import { describe, expect, it } from "@jest/globals";
import {
  DEFAULT_FORCE_DATABASE,
  DEFAULT_FORCE_DATABASE_CEILING,
  StorageErrorCode,
  contentKey,
  createMemoryStore,
  forceDatabaseLimit,
  formatRef,
  isForcedToDatabase,
  parseForceDatabaseRule,
  parseRef,
  readOnlyStore,
  refLocation,
  uniqueKey,
  uuidv7,
} from "../src/index.js";

describe("store refs", () => {
  it.each([
    [
      "s3://bucket-1/ab/cd/key",
      { scheme: "s3", container: "bucket-1", key: "ab/cd/key" },
    ],
    ["swift://cont/k", { scheme: "swift", container: "cont", key: "k" }],
    ["file:ab/cd/ef", { scheme: "file", key: "ab/cd/ef" }],
    ["db:u/01/x", { scheme: "db", key: "u/01/x" }],
  ])("parses %s and formats it back", (text, parsed) => {
    expect(parseRef(text)).toEqual(parsed);
    expect(formatRef(parseRef(text))).toBe(text);
  });

  it("gives the location of a ref", () => {
    expect(refLocation(parseRef("s3://b/k"))).toBe("s3://b");
    expect(refLocation(parseRef("file:k"))).toBe("file");
  });

  it.each([
    "gopher://x/y",
    "ftp:x",
    "no-scheme",
    "s3://bucket-only",
    "file:../etc/passwd",
    "db:/abs",
    "s3:///k",
  ])("rejects %s with E_INVALID_ARGUMENT", (text) => {
    expect(() => parseRef(text)).toThrow(
      expect.objectContaining({ code: StorageErrorCode.InvalidArgument }),
    );
  });

  it("names the unknown scheme in the error", () => {
    expect(() => parseRef("gopher://x/y")).toThrow(/unknown scheme "gopher"/);
  });
});

describe("keys and ids", () => {
  it("fans content keys out on the first four hex digits", () => {
    const sum = "abcdef" + "0".repeat(58);
    expect(contentKey(sum)).toBe(`ab/cd/${sum}`);
  });

  it("makes unique keys and time-ordered ids", () => {
    expect(uniqueKey()).toMatch(/^u\/[0-9a-f]{2}\/[0-9a-f-]{36}$/);
    expect(uuidv7(1000) < uuidv7(2000)).toBe(true);
    expect(uuidv7()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe("force-DB rule", () => {
  it("keeps small images, and scripts and stylesheets up to the ceiling, by default", () => {
    expect(isForcedToDatabase(DEFAULT_FORCE_DATABASE, "image/png", 51200)).toBe(
      true,
    );
    expect(isForcedToDatabase(DEFAULT_FORCE_DATABASE, "image/png", 51201)).toBe(
      false,
    );
    expect(
      isForcedToDatabase(
        DEFAULT_FORCE_DATABASE,
        "text/css",
        DEFAULT_FORCE_DATABASE_CEILING,
      ),
    ).toBe(true);
    expect(
      isForcedToDatabase(
        DEFAULT_FORCE_DATABASE,
        "text/css",
        DEFAULT_FORCE_DATABASE_CEILING + 1,
      ),
    ).toBe(false);
    expect(
      isForcedToDatabase(DEFAULT_FORCE_DATABASE, "application/pdf", 10),
    ).toBe(false);
  });

  it("lets the longest matching prefix decide", () => {
    expect(
      forceDatabaseLimit({ "image/": 10, "image/svg+xml": 0 }, "image/svg+xml"),
    ).toBe(DEFAULT_FORCE_DATABASE_CEILING);
    expect(forceDatabaseLimit({ "text/": 0 }, "text/css", 1000)).toBe(1000);
  });

  it("is off with an empty rule", () => {
    expect(
      isForcedToDatabase(parseForceDatabaseRule("{}"), "image/png", 1),
    ).toBe(false);
  });

  it.each(['{"image/": -1}', '{"image/": "big"}', "[1]", "not json"])(
    "rejects the setting %s",
    (text) => {
      expect(() => parseForceDatabaseRule(text)).toThrow(
        expect.objectContaining({ code: StorageErrorCode.InvalidArgument }),
      );
    },
  );
});

describe("read-only store", () => {
  it("reads through and refuses every write with E_READ_ONLY", async () => {
    const inner = createMemoryStore({ kind: "s3", container: "prod" });
    await inner.put("k", "prod bytes");
    const view = readOnlyStore(inner);
    expect((await view.get("k")).toString()).toBe("prod bytes");
    await expect(view.put("k", "x")).rejects.toMatchObject({
      code: StorageErrorCode.ReadOnly,
    });
    await expect(view.delete("k")).rejects.toMatchObject({
      code: StorageErrorCode.ReadOnly,
    });
    await expect(view.copy("k", "k2")).rejects.toMatchObject({
      code: StorageErrorCode.ReadOnly,
    });
    expect(await inner.exists("k")).toBe(true);
  });
});
