import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { StorageErrorCode } from "@cloud-platform/storage-core";
import { openSqliteDriver } from "../src/sqlite-driver.js";

describe("SQLite page cache", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-sqlite-cache-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function cacheSize(cacheSizeKiB?: number): Promise<unknown> {
    const driver = await openSqliteDriver({
      path: join(dir, "index.sqlite"),
      ...(cacheSizeKiB === undefined ? {} : { cacheSizeKiB }),
    });
    try {
      const rows = await driver.all<{ cache_size: number }>(
        "PRAGMA cache_size",
      );
      return rows[0]?.cache_size;
    } finally {
      await driver.close();
    }
  }

  it("is the size asked for, in KiB, and better-sqlite3's own otherwise", async () => {
    expect(await cacheSize(2048)).toBe(-2048);
    expect(await cacheSize()).toBe(-16000);
  });

  it("refuses a size that is not a positive integer", async () => {
    for (const bad of [0, -5, 1.5, Number.NaN])
      await expect(cacheSize(bad)).rejects.toMatchObject({
        code: StorageErrorCode.InvalidArgument,
        message: expect.stringMatching(/cacheSizeKiB/),
      });
  });
});
