import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { testEndpoints, uniqueName } from "@cloud-platform/test-services";

/** The platform kinds, each with its object store on the local Swift. */
export type Kind = "exoscale" | "ovh";

const ep = testEndpoints();

/** A PostgreSQL database of its own (the index takes the whole database, like an Odoo one). */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates `<prefix><random><suffix>` (default `cp_test_<random>`; e.g. `cp-<random>-odoo-prod`
 * for a copy named like prod's) on the test server; `drop()` removes it, connections and all.
 */
export async function createTestDatabase(
  prefix = "cp_test_",
  suffix = "",
): Promise<TestDatabase> {
  const name = `${prefix}${randomBytes(6).toString("hex")}${suffix}`;
  const admin = new pg.Client({ connectionString: ep.postgresUrl });
  await admin.connect();
  try {
    // Quoted: names like prod's hold dashes.
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(ep.postgresUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ep.postgresUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** `ODOO_SESSION_REDIS*` for the shared test Redis (or another one). */
export function redisEnv(
  prefix: string,
  redisUrl = ep.redisUrl,
): Record<string, string> {
  const url = new URL(redisUrl);
  return {
    ODOO_SESSION_REDIS: "1",
    ODOO_SESSION_REDIS_HOST: url.hostname,
    ODOO_SESSION_REDIS_PORT: url.port === "" ? "6379" : url.port,
    ODOO_SESSION_REDIS_PREFIX: prefix,
  };
}

/** Deletes every key of a session prefix from the shared Redis. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(ep.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  await redis.connect();
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(
        cursor,
        "MATCH",
        `session:${prefix}:*`,
        "COUNT",
        500,
      );
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** Counts the session keys of a prefix. */
export async function countRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(ep.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  await redis.connect();
  try {
    return (await redis.keys(`session:${prefix}:*`)).length;
  } finally {
    redis.disconnect();
  }
}

/** A unique bucket/container name: DNS-compliant, never a prod name. */
export function uniqueContainer(): string {
  return uniqueName("cp-example");
}

/** The object-store variables of a kind, writing to `container` on the local Swift. */
export function objectStoreEnv(
  kind: Kind,
  container: string,
): Record<string, string> {
  if (kind === "exoscale") {
    return {
      AWS_HOST: ep.s3.endpoint,
      AWS_REGION: ep.s3.region,
      AWS_ACCESS_KEY_ID: ep.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ep.s3.secretAccessKey,
      AWS_BUCKETNAME: container,
    };
  }
  return {
    SWIFT_AUTH_URL: ep.swiftV1.authUrl,
    SWIFT_ACCOUNT: ep.swiftV1.user,
    SWIFT_PASSWORD: ep.swiftV1.key,
    SWIFT_WRITE_CONTAINER: container,
  };
}

export { containerObjects, dropContainer } from "@cloud-platform/test-services";

export function sessionSecret(): string {
  return randomBytes(24).toString("hex");
}
