import { describe, expect, it } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkPlatform } from "@cloud-platform/platform-checks";
import { indexDatabaseName, openIndex } from "@cloud-platform/storage-sql";
import { loadPlatformConfig } from "../src/config.js";
import { openObjectStorage } from "../src/object-storage.js";
import { checkSettings } from "../src/settings.js";
import { createTestDatabase } from "./test-database.js";

const ENV = {
  RUNNING_ENV: "integration",
  DATABASE_URL: "postgres://u@127.0.0.1:5432/acme-odoo-prod",
  AWS_HOST: "http://127.0.0.1:1",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "key-id",
  AWS_SECRET_ACCESS_KEY: "secret-key-value",
  AWS_BUCKETNAME: "{db}",
  ODOO_SESSION_REDIS: "1",
  ODOO_SESSION_REDIS_HOST: "127.0.0.1",
  ODOO_SESSION_REDIS_PREFIX: "acme-odoo-integration",
  SESSION_SECRET: "a-session-secret",
};

/** `env` behind a proxy that records every variable read once `closed` is set. */
function watched(env: Record<string, string>): {
  env: Record<string, string | undefined>;
  readsAfter: string[];
  close: () => void;
} {
  const readsAfter: string[] = [];
  let closed = false;
  const proxy = new Proxy(env, {
    get(target, name, receiver) {
      if (closed && typeof name === "string") readsAfter.push(name);
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
  return { env: proxy, readsAfter, close: () => (closed = true) };
}

describe("loadPlatformConfig reads the environment once", () => {
  it("keeps no environment: the checks and the object storage use what it parsed", () => {
    const { env, readsAfter, close } = watched({ ...ENV });
    const config = loadPlatformConfig(env);
    close();
    expect("env" in config).toBe(false);
    const settings = {
      kind: "exoscale" as const,
      location: "s3" as const,
      databaseName: config.databaseName,
    };
    const report = checkSettings(config, settings);
    const storage = openObjectStorage("exoscale", config.objectStorage);
    void storage.close();
    expect(readsAfter).toEqual([]);
    // The same judgement as the checks reading the environment themselves.
    expect(report).toEqual(
      checkPlatform(ENV, {
        kind: "exoscale",
        location: "s3",
        dbName: "acme-odoo-prod",
      }),
    );
  });

  it("judges and opens the write bucket with {db} replaced by the index database's name", () => {
    const config = loadPlatformConfig({ ...ENV });
    expect(config.databaseName).toBe("acme-odoo-prod");
    const report = checkSettings(config, {
      kind: "exoscale",
      location: "s3",
      databaseName: config.databaseName,
    });
    expect(report.problems.map((p) => p.rule)).toContain(
      "storage.not-prod-bucket",
    );
    const storage = openObjectStorage("exoscale", config.objectStorage);
    expect(storage.stores.write?.container).toBe("acme-odoo-prod");
    void storage.close();
  });

  it("names the database as the index does, on SQLite and PostgreSQL", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cp-config-once-"));
    const db = await createTestDatabase();
    try {
      for (const url of [join(dir, "files-2024.sqlite"), db.url]) {
        const index = await openIndex(url);
        try {
          expect(indexDatabaseName(url)).toBe(index.databaseName);
        } finally {
          await index.close();
        }
      }
      expect(indexDatabaseName("./data/cloud-platform.sqlite")).toBe(
        "cloud-platform",
      );
    } finally {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
