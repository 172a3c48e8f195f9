import type { PoolConfig, Pool } from "pg";
import { StorageError, StorageErrorCode } from "@cloud-platform/storage-core";
import { sweepAbandonedUploads } from "./database-store.js";
import { openPostgresDriver, postgresDatabaseName } from "./postgres-driver.js";
import { migrateSchema } from "./schema.js";
import { createSqlIndex, type SqlIndex } from "./sql-index.js";
import { openSqliteDriver, sqliteDatabaseName } from "./sqlite-driver.js";
import type { SqlDriver } from "./sql-driver.js";

/**
 * Which database: a `postgres://` / `postgresql://` URL, a SQLite path (`sqlite:` prefix
 * optional, `:memory:` allowed), or an explicit object.
 */
export type IndexTarget =
  string | { sqlite: string } | { postgres: string | PoolConfig };

/** Options of {@link openIndex}. */
export interface OpenIndexOptions {
  /** PostgreSQL schema (created when missing; sets `search_path`). @default the server's (`public`) */
  schema?: string;
  /** PostgreSQL pool size. @default 10 */
  poolSize?: number;
  /** An existing pg Pool to use (not closed by `close()`). */
  pool?: Pool;
  /** SQLite: how long a writer waits for another process's lock, in ms. @default 5000 */
  busyTimeoutMs?: number;
  /** How long a lock holder stays valid without a heartbeat, in ms. @default 30000 */
  lockTtlMs?: number;
  /** SQLite: the connection's page cache, in KiB. @default better-sqlite3's (16000) */
  sqliteCacheKiB?: number;
}

/** The SQLite file used when `DATABASE_URL` is not set. */
export const DEFAULT_SQLITE_PATH = "./data/cloud-platform.sqlite";

/** What {@link indexOptionsFromEnv} reads. */
export interface IndexEnvOptions {
  target: IndexTarget;
}

/**
 * Maps `DATABASE_URL` (a `postgres://` URL or a SQLite path; default
 * {@link DEFAULT_SQLITE_PATH}). Pure: pass `process.env`.
 */
export function indexOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): IndexEnvOptions {
  const url = env["DATABASE_URL"]?.trim();
  return {
    target: url === undefined || url === "" ? DEFAULT_SQLITE_PATH : url,
  };
}

function driverFor(
  target: IndexTarget,
  options: OpenIndexOptions,
): Promise<SqlDriver> {
  const sqlite = (path: string): Promise<SqlDriver> => {
    const o: Parameters<typeof openSqliteDriver>[0] = { path };
    if (options.busyTimeoutMs !== undefined)
      o.busyTimeoutMs = options.busyTimeoutMs;
    if (options.sqliteCacheKiB !== undefined)
      o.cacheSizeKiB = options.sqliteCacheKiB;
    return openSqliteDriver(o);
  };
  const postgres = (connection: string | PoolConfig): Promise<SqlDriver> => {
    const o: Parameters<typeof openPostgresDriver>[0] = { connection };
    if (options.schema !== undefined) o.schema = options.schema;
    if (options.poolSize !== undefined) o.poolSize = options.poolSize;
    if (options.pool !== undefined) o.pool = options.pool;
    return openPostgresDriver(o);
  };
  if (typeof target === "object")
    return "sqlite" in target
      ? sqlite(target.sqlite)
      : postgres(target.postgres);
  if (typeof target !== "string" || target.trim() === "") {
    return Promise.reject(
      new StorageError(
        StorageErrorCode.InvalidArgument,
        "the index target must be a postgres:// URL or a SQLite path",
      ),
    );
  }
  if (/^postgres(ql)?:\/\//i.test(target)) return postgres(target);
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(target)) {
    const scheme = target.slice(0, target.indexOf(":"));
    return Promise.reject(
      new StorageError(
        StorageErrorCode.InvalidArgument,
        `unsupported database URL scheme "${scheme}" (use postgres:// or a SQLite path)`,
      ),
    );
  }
  return sqlite(target.replace(/^sqlite:/i, ""));
}

/**
 * The database name {@link openIndex} gives `target` (`SqlIndex.databaseName`), without
 * opening anything: what `{db}` in a bucket name resolves to.
 */
export function indexDatabaseName(target: IndexTarget): string {
  if (typeof target === "object")
    return "sqlite" in target
      ? sqliteDatabaseName(target.sqlite)
      : postgresDatabaseName(target.postgres);
  if (/^postgres(ql)?:\/\//i.test(target)) return postgresDatabaseName(target);
  return sqliteDatabaseName(target.replace(/^sqlite:/i, ""));
}

/**
 * Opens the attachment index: connects, creates or upgrades the schema (safe when several
 * processes open it at once), and sweeps stream uploads a crash left behind.
 *
 * @throws StorageError `E_INVALID_ARGUMENT` (bad target), `E_NOT_CONFIGURED` (driver package
 *   missing), `E_UNAVAILABLE` (cannot connect).
 */
export async function openIndex(
  target: IndexTarget,
  options: OpenIndexOptions = {},
): Promise<SqlIndex> {
  const driver = await driverFor(target, options);
  try {
    await migrateSchema(driver, options.schema);
    await sweepAbandonedUploads(driver);
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw error;
  }
  return createSqlIndex(
    driver,
    options.lockTtlMs === undefined ? {} : { lockTtlMs: options.lockTtlMs },
  );
}
