import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { createPlatform, loadPlatformConfig } from "../src/index.js";

describe("platform.close()", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  // jest's reporter wraps process.stdout.write and drops its callback: the platform's own
  // logger on stdout used to wait for it forever.
  it("resolves in-process with the logger the platform made on stdout", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cp-close-"));
    dirs.push(dir);
    const platform = await createPlatform(
      loadPlatformConfig(
        {
          DATABASE_URL: join(dir, "index.sqlite"),
          FILESTORE_PATH: join(dir, "filestore"),
          LOG_LEVEL: "error",
        },
        { serviceName: "close-test" },
      ),
    );
    platform.logger.error("one line before closing");
    await expect(platform.close()).resolves.toBeUndefined();
    await expect(platform.close()).resolves.toBeUndefined();
  }, 10_000);
});
