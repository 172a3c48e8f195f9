import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import { basename, dirname, extname, resolve } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { StorageError, StorageErrorCode } from "@cloud-platform/storage-core";
import { Mutex } from "./mutex.js";
import {
  toPositional,
  type SqlDriver,
  type SqlExecutor,
} from "./sql-driver.js";

/** Options of the SQLite driver. */
export interface SqliteDriverOptions {
  /** Database file path, or `:memory:`. */
  path: string;
  /** How long a writer waits for another process's write lock, in ms. @default 5000 */
  busyTimeoutMs?: number;
  /**
   * Page cache of the connection, in KiB. better-sqlite3 builds SQLite with 16,000 KiB; a
   * one-shot scan of the whole index (fsck, gc) fills it for nothing, the file's pages being
   * in the operating system's cache anyway. @default better-sqlite3's (16000)
   */
  cacheSizeKiB?: number;
}

function unavailable(error: unknown, path: string): StorageError {
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError(
    StorageErrorCode.Unavailable,
    `SQLite ${path}: ${message}`,
    { store: "db", cause: error },
  );
}

// Connections of one process to the same file share one mutex: a second connection that
// waited on the file lock synchronously (better-sqlite3 blocks the thread) would never let
// the first one finish its async transaction.
const mutexes = new Map<string, Mutex>();

function mutexFor(path: string): Mutex {
  const key = path === ":memory:" ? `:memory:${mutexes.size}` : resolve(path);
  let mutex = mutexes.get(key);
  if (!mutex) {
    mutex = new Mutex();
    mutexes.set(key, mutex);
  }
  return mutex;
}

/**
 * Opens a SQLite database through better-sqlite3 (WAL, `synchronous=FULL` so a committed ref
 * survives a power cut, `busy_timeout`). One connection per process; async transactions are
 * serialised by a mutex so no other statement of this process slips into them.
 */
export async function openSqliteDriver(
  options: SqliteDriverOptions,
): Promise<SqlDriver> {
  const { path } = options;
  let Database: typeof BetterSqlite3;
  try {
    Database = (await import("better-sqlite3")).default;
  } catch (error) {
    throw new StorageError(
      StorageErrorCode.NotConfigured,
      "SQLite needs the better-sqlite3 package (npm install better-sqlite3@12)",
      { cause: error },
    );
  }
  const kib = options.cacheSizeKiB;
  if (kib !== undefined && (!Number.isSafeInteger(kib) || kib < 1)) {
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      "SQLite cacheSizeKiB must be a positive integer",
    );
  }
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  let db: BetterSqlite3.Database;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    // Negative: a size in KiB rather than in pages.
    if (kib !== undefined) db.pragma(`cache_size = -${kib}`);
  } catch (error) {
    throw unavailable(error, path);
  }
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string): BetterSqlite3.Statement => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };
  const direct: SqlExecutor = {
    all: <T>(sql: string, params: readonly unknown[] = []): Promise<T[]> => {
      const q = toPositional(sql, params);
      return Promise.resolve(prepare(q.sql).all(...q.params) as T[]);
    },
    run: (sql, params = []) => {
      const q = toPositional(sql, params);
      return Promise.resolve(prepare(q.sql).run(...q.params).changes);
    },
  };
  const mutex = mutexFor(path);
  let closed = false;
  const inside = new AsyncLocalStorage<true>();
  // Statements issued from inside a transaction of this connection (a database-store delete
  // run under a ref lock) join it instead of queueing behind it, which would deadlock.
  const guarded = <T>(fn: () => Promise<T>): Promise<T> =>
    (inside.getStore()
      ? Promise.resolve().then(fn)
      : mutex.run(() => {
          if (closed)
            throw new StorageError(
              StorageErrorCode.Unavailable,
              `SQLite ${path}: the index is closed`,
              { store: "db" },
            );
          return fn();
        })
    ).catch((error: unknown) => {
      // Only database failures become E_UNAVAILABLE; errors of the caller's work pass through.
      throw error instanceof Error && error.name === "SqliteError"
        ? unavailable(error, path)
        : error;
    });
  return {
    dialect: "sqlite",
    databaseName: sqliteDatabaseName(path),
    all: (sql, params) => guarded(() => direct.all(sql, params)),
    run: (sql, params) => guarded(() => direct.run(sql, params)),
    transaction: (fn, _lockKeys, options = {}) =>
      guarded(async () => {
        const tx = { ...direct, lock: () => Promise.resolve() };
        if (inside.getStore()) return fn(tx);
        const relaxed = options.durable === false;
        if (relaxed) db.pragma("synchronous = NORMAL");
        db.exec("BEGIN IMMEDIATE");
        try {
          const result = await inside.run(true, () => fn(tx));
          db.exec("COMMIT");
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec("ROLLBACK");
          throw error;
        } finally {
          if (relaxed) db.pragma("synchronous = FULL");
        }
      }),
    outside: (fn) => inside.exit(fn),
    close: () =>
      mutex.run(() => {
        if (closed) return;
        closed = true;
        db.close();
      }),
  };
}

/** The name a SQLite index goes by: its file name without extension (`memory` in memory). */
export function sqliteDatabaseName(path: string): string {
  return path === ":memory:" ? "memory" : basename(path, extname(path));
}
