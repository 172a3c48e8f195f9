import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SettingName } from "@cloud-platform/storage-core";
import { openIndex } from "@cloud-platform/storage-sql";
import { killAll, runAppToExit, startApp } from "./app-process.js";
import {
  createTestDatabase,
  objectStoreEnv,
  redisEnv,
  sessionSecret,
  type TestDatabase,
} from "./services.js";

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(90_000);

/** Planted in the secret variables: it must never be printed. */
const SECRET = "planted-Secret-value-7c2e1";

/**
 * The start-up sequence refuses a configuration that is wrong for its environment, with the
 * full report, before it serves anything; `ODOO_CLOUD_PLATFORM_UNSAFE` is the way around.
 * Nothing here writes to the object store: the refused configurations never get that far.
 * The index is a PostgreSQL copy of prod's database, named like it (integration needs a
 * shared database).
 */
describe("example app start-up checks", () => {
  let dir = "";
  let database: TestDatabase | undefined;

  const integration = (
    bucket: string,
    extra: Record<string, string> = {},
  ): Record<string, string> => ({
    RUNNING_ENV: "integration",
    DATABASE_URL: database?.url ?? "",
    FILESTORE_PATH: join(dir, "filestore"),
    SESSION_SECRET: sessionSecret(),
    ODOO_LOGGING_JSON: "1",
    ...redisEnv("cp-startup-odoo-integration"),
    ...objectStoreEnv("exoscale", bucket),
    AWS_SECRET_ACCESS_KEY: SECRET,
    ...extra,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-startup-"));
    database = await createTestDatabase("cp-", "-odoo-prod");
    // As `install exoscale` on integration leaves it.
    const index = await openIndex(database.url);
    await index.setSetting(SettingName.Kind, "exoscale");
    await index.setSetting(SettingName.Location, "s3");
    await index.close();
  });

  afterAll(async () => {
    await killAll();
    await database?.drop();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("refuses to start on integration with a prod bucket, with the report and no secret", async () => {
    const result = await runAppToExit(integration("acme-odoo-prod"));
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    const output = result.stdout + result.stderr;
    expect(output).toContain("[storage.not-prod-bucket]");
    expect(output).toContain("AWS_BUCKETNAME");
    expect(output).not.toContain("example app listening");
    expect(output).not.toContain(SECRET);
  });

  it("refuses to start on integration when AWS_BUCKETNAME={db} resolves to prod's bucket (the database is named like prod's), with exit code 78", async () => {
    const result = await runAppToExit(integration("{db}"));
    expect(result.code).toBe(78);
    const output = result.stdout + result.stderr;
    expect(output).toContain("[storage.not-prod-bucket]");
    expect(output).toContain(database?.name ?? "?");
    expect(output).not.toContain("example app listening");
    expect(output).not.toContain(SECRET);
  });

  it("refuses to start when CLOUD_PLATFORM_KIND differs from the installed kind", async () => {
    const result = await runAppToExit(
      integration("acme-odoo-integration", { CLOUD_PLATFORM_KIND: "ovh" }),
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("[kind.mismatch]");
  });

  it("starts anyway with ODOO_CLOUD_PLATFORM_UNSAFE=1, saying loudly that the checks were skipped", async () => {
    const app = await startApp(
      integration("acme-odoo-prod", { ODOO_CLOUD_PLATFORM_UNSAFE: "1" }),
    );
    const warnings = app.logs
      .filter((l) => l["log.level"] === "warn")
      .map((l) => l.message);
    expect(warnings.join("\n")).toMatch(/ODOO_CLOUD_PLATFORM_UNSAFE/);
    expect((await fetch(`${app.url}/monitoring/status`)).status).toBe(200);
    expect(app.output()).not.toContain(SECRET);
    expect(await app.stop()).toEqual({ code: 0, signal: null });
  });
});
