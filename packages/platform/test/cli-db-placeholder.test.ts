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
const SECRET = "planted-Secret-value-b71q0";

const configuration = plantedConfiguration(SECRET);

async function record(url: string, kind: Kind): Promise<void> {
  const index = await openIndex(url);
  try {
    await index.setSetting(SettingName.Kind, kind);
    await index.setSetting(
      SettingName.Location,
      kind === "ovh" ? "swift" : "s3",
    );
  } finally {
    await index.close();
  }
}

/**
 * `{db}` in the write bucket/container is replaced by the index database's name before the
 * name is judged: a copy of prod's database (named like prod) must not write into prod's
 * bucket through the placeholder.
 */
describe("cloud-platform check with {db} in the write bucket/container", () => {
  const outputs: string[] = [];
  const run = async (
    args: string[],
    env: Record<string, string>,
  ): Promise<CliResult> => {
    const result = await runCli(args, env);
    outputs.push(result.stdout, result.stderr);
    return result;
  };

  describe("on PostgreSQL, an integration copy of a database named like prod's", () => {
    let prodNamed: TestDatabase | undefined;
    let fresh: TestDatabase | undefined;

    beforeAll(async () => {
      prodNamed = await createTestDatabase("cp-", "-odoo-prod");
      fresh = await createTestDatabase("cp-", "-odoo-prod");
      await record(prodNamed.url, "exoscale");
    });

    afterAll(async () => {
      await prodNamed?.drop();
      await fresh?.drop();
    });

    it("refuses AWS_BUCKETNAME={db} with exit code 78, naming the resolved bucket", async () => {
      const db = prodNamed as TestDatabase;
      const result = await run(
        ["check", "--json"],
        configuration("exoscale", "integration", "{db}", db.url),
      );
      expect(result.code).toBe(78);
      expect(problemsOf(result)).toEqual([
        ["AWS_BUCKETNAME", "storage.not-prod-bucket"],
      ]);
      expect(result.stderr).toContain(db.name);
    });

    it("accepts {db} when the resolved name is not prod's (e.g. {db}-files)", async () => {
      const db = prodNamed as TestDatabase;
      const result = await run(
        ["check", "--json"],
        configuration("exoscale", "integration", "{db}-files", db.url),
      );
      expect(problemsOf(result)).toEqual([]);
      expect(result.code).toBe(0);
    });

    it("accepts {db} on prod when it resolves to a prod name", async () => {
      const db = prodNamed as TestDatabase;
      const result = await run(
        ["check", "--json"],
        configuration("exoscale", "prod", "{db}", db.url),
      );
      expect(problemsOf(result)).toEqual([]);
      expect(result.code).toBe(0);
    });

    it("install refuses SWIFT_WRITE_CONTAINER={db} with exit code 78 and records nothing", async () => {
      const db = fresh as TestDatabase;
      const env = configuration("ovh", "integration", "{db}", db.url);
      const install = await run(["install", "ovh", "--no-migrate"], env);
      expect(install.code).toBe(78);
      expect(install.stderr).toContain("[storage.not-prod-bucket]");
      const status = await run(["status", "--json"], { DATABASE_URL: db.url });
      expect(JSON.parse(status.stdout)).toMatchObject({ kind: null });
    });

    it("migrate refuses the same configuration with exit code 78 before any work", async () => {
      const db = prodNamed as TestDatabase;
      const result = await run(
        ["migrate", "--json"],
        configuration("exoscale", "integration", "{db}", db.url),
      );
      expect(result.code).toBe(78);
      expect(result.stderr).toContain("[storage.not-prod-bucket]");
    });
  });

  describe("on SQLite, a dev copy in a file named like prod's database", () => {
    let dir = "";
    let file = "";

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "cp-cli-db-"));
      file = join(dir, "acme-odoo-prod.sqlite");
      await record(file, "ovh");
    });

    afterAll(async () => {
      if (dir !== "") await rm(dir, { recursive: true, force: true });
    });

    it("refuses SWIFT_WRITE_CONTAINER={db} with exit code 78", async () => {
      const result = await run(
        ["check", "--json"],
        configuration("ovh", "dev", "{db}", file),
      );
      expect(result.code).toBe(78);
      expect(problemsOf(result)).toEqual([
        ["SWIFT_WRITE_CONTAINER", "storage.not-prod-bucket"],
      ]);
      expect(result.stderr).toContain("acme-odoo-prod");
    });
  });

  it("never prints a secret value", () => {
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) expect(output).not.toContain(SECRET);
  });
});
