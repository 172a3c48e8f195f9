import { randomBytes } from "node:crypto";
import pg from "pg";
import { testEndpoints } from "@cloud-platform/test-services";

/** A PostgreSQL database of its own on the test server (the index takes a whole database). */
export interface TestDatabase {
  name: string;
  /** Its `postgres://` URL, for `DATABASE_URL`. */
  url: string;
  /** Drops it, connections and all. */
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: testEndpoints().postgresUrl,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates a database named `<prefix><random><suffix>` (e.g. `cp-1a2b3c-odoo-prod`: the
 * name `{db}` resolves to), on the test server.
 */
export async function createTestDatabase(
  prefix = "cp_test_",
  suffix = "",
): Promise<TestDatabase> {
  const name = `${prefix}${randomBytes(6).toString("hex")}${suffix}`;
  // Quoted: names like prod's hold dashes.
  await admin(async (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(testEndpoints().postgresUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      await admin((c) =>
        c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}
