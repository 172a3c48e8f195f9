import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";
import {
  openIndex,
  type OpenIndexOptions,
  type SqlIndex,
} from "../src/index.js";

/** The two backends every behaviour is proven on. */
export const BACKENDS = ["sqlite", "postgres"] as const;
export type Backend = (typeof BACKENDS)[number];

/** Where a test database lives: a SQLite file in a temp dir, or a fresh PostgreSQL schema. */
export interface TestDatabase {
  backend: Backend;
  /** `openIndex` target and options reaching this database (also usable from a child process). */
  target: string;
  options: OpenIndexOptions;
  open(extra?: OpenIndexOptions): Promise<SqlIndex>;
  /** Drops the schema / removes the directory. */
  destroy(): Promise<void>;
  /** A scratch directory for filestores. */
  dir: string;
}

/** A private database for one test file. */
export async function createTestDatabase(
  backend: Backend,
): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), "cp-sql-"));
  if (backend === "sqlite") {
    const target = join(dir, "index.sqlite");
    return {
      backend,
      target,
      options: {},
      dir,
      open: (extra = {}) => openIndex(target, extra),
      destroy: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const target = testEndpoints().postgresUrl;
  const schema = uniqueName("cp_test").replace(/-/g, "_");
  const options = { schema, poolSize: 4 };
  return {
    backend,
    target,
    options,
    dir,
    open: (extra = {}) => openIndex(target, { ...options, ...extra }),
    destroy: async () => {
      const client = new pg.Client(target);
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
