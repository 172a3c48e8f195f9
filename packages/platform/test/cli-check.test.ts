import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SettingName } from "@cloud-platform/storage-core";
import { openIndex } from "@cloud-platform/storage-sql";
import {
  plantedConfiguration,
  problemsOf,
  type Kind,
} from "./check-configuration.js";
import { runCli, type CliResult } from "./cli-process.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

// Also when run from the root (the root jest config does not carry the preset's testTimeout).
jest.setTimeout(90_000);

/** Planted in the secret variables: it must never be printed. */
const SECRET = "planted-Secret-value-93jd8";

const configuration = plantedConfiguration(SECRET);

/**
 * `cloud-platform check` against index databases (PostgreSQL: prod and integration need a
 * shared one) where `install` recorded each kind and its object-store location: the
 * bucket/container name decides.
 */
describe("cloud-platform check", () => {
  let dir = "";
  const databases: Record<Kind, string> = { exoscale: "", ovh: "" };
  const created: TestDatabase[] = [];
  const outputs: string[] = [];
  /** A new, empty PostgreSQL database. */
  const freshDatabase = async (): Promise<string> => {
    const db = await createTestDatabase();
    created.push(db);
    return db.url;
  };

  const check = async (
    env: Record<string, string>,
    json = true,
  ): Promise<CliResult> => {
    const result = await runCli(json ? ["check", "--json"] : ["check"], env);
    outputs.push(result.stdout, result.stderr);
    return result;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-cli-check-"));
    for (const [kind, location] of [
      ["exoscale", "s3"],
      ["ovh", "swift"],
    ] as const) {
      databases[kind] = await freshDatabase();
      const index = await openIndex(databases[kind]);
      await index.setSetting(SettingName.Kind, kind);
      await index.setSetting(SettingName.Location, location);
      await index.close();
    }
  });

  afterAll(async () => {
    await Promise.all(created.map((db) => db.drop()));
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("refuses a prod configuration that points at a non-prod bucket, with exit code 78", async () => {
    const [s3, swift] = await Promise.all([
      check(
        configuration(
          "exoscale",
          "prod",
          "acme-odoo-integration",
          databases.exoscale,
        ),
      ),
      check(configuration("ovh", "prod", "acme-files", databases.ovh)),
    ]);
    expect(s3.code).toBe(78);
    expect(problemsOf(s3)).toEqual([
      ["AWS_BUCKETNAME", "storage.prod-bucket-shape"],
    ]);
    expect(swift.code).toBe(78);
    expect(problemsOf(swift)).toEqual([
      ["SWIFT_WRITE_CONTAINER", "storage.prod-bucket-shape"],
    ]);
  });

  it("refuses an integration configuration that points at a prod bucket, with exit code 78 and a readable report", async () => {
    const [s3, swift] = await Promise.all([
      check(
        configuration(
          "exoscale",
          "integration",
          "acme-odoo-prod",
          databases.exoscale,
        ),
        false,
      ),
      check(
        configuration("ovh", "integration", "acme-odoo-prod", databases.ovh),
      ),
    ]);
    expect(s3.code).toBe(78);
    expect(s3.stderr).toContain("AWS_BUCKETNAME");
    expect(s3.stderr).toContain("[storage.not-prod-bucket]");
    expect(s3.stdout).toBe("");
    expect(swift.code).toBe(78);
    expect(problemsOf(swift)).toEqual([
      ["SWIFT_WRITE_CONTAINER", "storage.not-prod-bucket"],
    ]);
  });

  it("accepts a correct prod and a correct integration configuration with exit code 0", async () => {
    const results = await Promise.all([
      check(
        configuration("exoscale", "prod", "acme-odoo-prod", databases.exoscale),
      ),
      check(
        configuration(
          "ovh",
          "integration",
          "acme-odoo-integration",
          databases.ovh,
        ),
      ),
    ]);
    for (const result of results) {
      expect(result.code).toBe(0);
      expect(problemsOf(result)).toEqual([]);
      expect(JSON.parse(result.stdout)).toMatchObject({
        ok: true,
        environment: expect.any(String),
      });
    }
  });

  it("refuses a prod configuration run against a database where no kind is installed", async () => {
    const empty = await freshDatabase();
    const result = await check(
      configuration("exoscale", "prod", "acme-odoo-prod", empty),
    );
    expect(result.code).toBe(78);
    expect(problemsOf(result).map(([, rule]) => rule)).toContain(
      "kind.not-recorded",
    );
  });

  it("install refuses the same integration configuration with exit code 78 and records nothing", async () => {
    const fresh = await freshDatabase();
    const result = await runCli(
      ["install", "exoscale"],
      configuration("exoscale", "integration", "acme-odoo-prod", fresh),
    );
    outputs.push(result.stdout, result.stderr);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain("[storage.not-prod-bucket]");
    const status = await runCli(["status", "--json"], { DATABASE_URL: fresh });
    expect(JSON.parse(status.stdout)).toMatchObject({
      kind: null,
      location: "file",
      attachments: [],
    });
  });

  it("refuses Redis sessions without SESSION_SECRET with exit code 78, before any work", async () => {
    const env = configuration(
      "exoscale",
      "prod",
      "acme-odoo-prod",
      databases.exoscale,
    );
    delete env.SESSION_SECRET;
    const result = await check(env);
    expect(result.code).toBe(78);
    expect(problemsOf(result)).toEqual([
      ["SESSION_SECRET", "session.secret-required"],
    ]);
    const migrate = await runCli(["migrate", "--dry-run", "--json"], env);
    outputs.push(migrate.stdout, migrate.stderr);
    expect(migrate.code).toBe(78);
    expect(migrate.stderr).toContain("[session.secret-required]");
  });

  it("refuses a SQLite index on prod, integration and labs with exit code 78, DATABASE_URL unset too", async () => {
    const sqlite = join(dir, "exoscale-local.sqlite");
    const local = await openIndex(sqlite);
    await local.setSetting(SettingName.Kind, "exoscale");
    await local.setSetting(SettingName.Location, "s3");
    await local.close();
    const prod = configuration("exoscale", "prod", "acme-odoo-prod", sqlite);
    const integration = configuration(
      "exoscale",
      "integration",
      "acme-odoo-integration",
      sqlite,
    );
    const labs = {
      ...configuration("exoscale", "integration", "acme-odoo-labs", sqlite),
      RUNNING_ENV: "labs-42",
      ODOO_SESSION_REDIS_PREFIX: "acme-odoo-labs",
    };
    const unset: Record<string, string> = { ...prod };
    delete unset.DATABASE_URL;
    const results = await Promise.all([
      check(prod),
      check(integration),
      check(labs),
      // Unset: the embedded SQLite file under the working directory.
      runCli(["check", "--json"], unset, 60_000, dir),
    ]);
    outputs.push(...results.flatMap((r) => [r.stdout, r.stderr]));
    for (const result of results) {
      expect(result.code).toBe(78);
      expect(problemsOf(result)).toContainEqual([
        "DATABASE_URL",
        "index.shared-database-required",
      ]);
    }
  });

  it("accepts a SQLite index on test and dev", async () => {
    const sqlite = join(dir, "dev.sqlite");
    // test off the object store keeps files in the database.
    const testSqlite = join(dir, "test.sqlite");
    const local = await openIndex(testSqlite);
    await local.setSetting(SettingName.Location, "db");
    await local.close();
    const results = await Promise.all([
      check({ RUNNING_ENV: "dev", DATABASE_URL: sqlite }),
      check({
        RUNNING_ENV: "test",
        DATABASE_URL: testSqlite,
        ODOO_SESSION_REDIS: "1",
        ODOO_SESSION_REDIS_HOST: "127.0.0.1",
        ODOO_SESSION_REDIS_PREFIX: "acme-odoo-test",
        SESSION_SECRET: SECRET,
      }),
    ]);
    for (const result of results) {
      expect(problemsOf(result)).toEqual([]);
      expect(result.code).toBe(0);
    }
  });

  it("never prints a secret value", () => {
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) expect(output).not.toContain(SECRET);
  });
});
