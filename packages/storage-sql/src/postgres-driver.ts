import { AsyncLocalStorage } from "node:async_hooks";
import type { ClientConfig, Pool, PoolClient, PoolConfig } from "pg";
import { StorageError, StorageErrorCode } from "@cloud-platform/storage-core";
import type {
  SessionLock,
  SqlDriver,
  SqlExecutor,
  SqlTransaction,
} from "./sql-driver.js";

/** Options of the PostgreSQL driver. */
export interface PostgresDriverOptions {
  /** `postgres://…` URL, or a pg pool configuration. */
  connection: string | PoolConfig;
  /** Schema to work in (created when missing); sets `search_path`. @default the server's default (`public`) */
  schema?: string;
  /** Connections in the pool. @default 10 */
  poolSize?: number;
  /** An existing pool to use instead (not closed by `close()`); `schema` is then not applied. */
  pool?: Pool;
}

/** Advisory-lock namespace of this library: locks of other schemas never collide. */
export function lockNamespace(schema: string | undefined): string {
  return `cloud-platform:${schema ?? "public"}`;
}

function unavailable(error: unknown): StorageError {
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError(
    StorageErrorCode.Unavailable,
    `PostgreSQL: ${message}`,
    { store: "db", cause: error },
  );
}

const isPgError = (error: unknown): boolean =>
  error instanceof Error &&
  ("severity" in error ||
    "errno" in error ||
    /connect|terminat|timeout/i.test(error.message));

function executor(client: { query: PoolClient["query"] }): SqlExecutor {
  return {
    all: async <T>(
      sql: string,
      params: readonly unknown[] = [],
    ): Promise<T[]> => (await client.query(sql, [...params])).rows as T[],
    run: async (sql, params = []) =>
      (await client.query(sql, [...params])).rowCount ?? 0,
  };
}

/** The database a PostgreSQL connection names (`postgres` when it names none). */
export function postgresDatabaseName(connection: string | PoolConfig): string {
  if (typeof connection !== "string") return connection.database ?? "postgres";
  try {
    return (
      decodeURIComponent(new URL(connection).pathname.replace(/^\//, "")) ||
      "postgres"
    );
  } catch {
    return "postgres";
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Connects a pg Pool (loaded on demand, an optional peer dependency). */
export async function openPostgresDriver(
  options: PostgresDriverOptions,
): Promise<SqlDriver> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      `invalid schema name ${JSON.stringify(schema)}: lower-case [a-z0-9_], at most 63`,
    );
  }
  let pg: (typeof import("pg"))["default"];
  try {
    pg = (await import("pg")).default;
  } catch (error) {
    throw new StorageError(
      StorageErrorCode.NotConfigured,
      "PostgreSQL needs the pg package (npm install pg)",
      { cause: error },
    );
  }
  const base: ClientConfig =
    typeof options.connection === "string"
      ? { connectionString: options.connection }
      : { ...options.connection };
  // Kept beside the caller's own server options (`-c statement_timeout=…`), not instead.
  if (schema !== undefined)
    base.options = [base.options, `-c search_path=${schema}`]
      .filter((o) => o !== undefined && o !== "")
      .join(" ");
  const pool =
    options.pool ?? new pg.Pool({ ...base, max: options.poolSize ?? 10 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  if (!options.pool) pool.on("error", () => undefined);
  const namespace = lockNamespace(schema);
  let closed = false;
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed)
      throw new StorageError(
        StorageErrorCode.Unavailable,
        "PostgreSQL: the index is closed",
        { store: "db" },
      );
    try {
      return await fn();
    } catch (error) {
      throw isPgError(error) && !(error instanceof StorageError)
        ? unavailable(error)
        : error;
    }
  };
  const shared = executor(pool);
  // Statements issued from inside a transaction (a database-store delete under a ref lock)
  // join it: taking a second pooled connection while holding one can exhaust the pool.
  const inside = new AsyncLocalStorage<SqlTransaction>();
  const current = (): SqlExecutor => inside.getStore() ?? shared;
  return {
    dialect: "postgres",
    databaseName: postgresDatabaseName(options.connection),
    all: (sql, params) => guard(() => current().all(sql, params)),
    run: (sql, params) => guard(() => current().run(sql, params)),
    outside: (fn) => inside.exit(fn),
    transaction: (fn, lockKeys = [], options = {}) =>
      guard(async () => {
        const outer = inside.getStore();
        if (outer) {
          await outer.lock(lockKeys);
          return fn(outer);
        }
        const client = await pool.connect();
        let broken = false;
        try {
          await client.query("BEGIN");
          if (options.durable === false) {
            await client.query("SET LOCAL synchronous_commit = off");
          }
          const lock = async (keys: readonly string[]): Promise<void> => {
            // Sorted, so two transactions locking the same keys cannot deadlock; one round
            // trip for all of them (taken in the array's order).
            const sorted = [...new Set(keys)].sort();
            if (sorted.length === 0) return;
            await client.query(
              "SELECT count(pg_advisory_xact_lock(hashtext($1), hashtext(k))) FROM unnest($2::text[]) AS k",
              [namespace, sorted],
            );
          };
          await lock(lockKeys);
          const tx: SqlTransaction = { ...executor(client), lock };
          const result = await inside.run(tx, () => fn(tx));
          await client.query("COMMIT");
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {
            broken = true;
          });
          throw error;
        } finally {
          client.release(broken);
        }
      }),
    trySessionLock: (name) =>
      guard(() => sessionLock(new pg.Client(base), namespace, name)),
    close: async () => {
      if (closed) return;
      closed = true;
      if (!options.pool) await pool.end();
    },
  };
}

async function sessionLock(
  client: import("pg").Client,
  namespace: string,
  name: string,
): Promise<SessionLock | undefined> {
  const controller = new AbortController();
  client.on("error", (error) => controller.abort(error));
  client.on("end", () => controller.abort(new Error("lock connection closed")));
  await client.connect();
  const { rows } = await client.query<{ ok: boolean }>(
    "SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok",
    [namespace, name],
  );
  if (rows[0]?.ok !== true) {
    await client.end();
    return undefined;
  }
  let released = false;
  return {
    signal: controller.signal,
    run: async (sql, params = []) =>
      (await client.query(sql, [...params])).rowCount ?? 0,
    release: async () => {
      if (released) return;
      released = true;
      await client
        .query("SELECT pg_advisory_unlock(hashtext($1), hashtext($2))", [
          namespace,
          name,
        ])
        .catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
