/** Runs SQL written with `$1, $2, …` placeholders (rewritten for SQLite). */
export interface SqlExecutor {
  /** Rows of a query (SELECT, or a statement with RETURNING). */
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** The executor of a transaction. */
export interface SqlTransaction extends SqlExecutor {
  /** Takes more per-key locks until the end of the transaction (no-op where the transaction already excludes writers). */
  lock(keys: readonly string[]): Promise<void>;
}

/** Options of {@link SqlDriver.transaction}. */
export interface TransactionOptions {
  /**
   * `false`: the commit does not wait for the disk (SQLite `synchronous=NORMAL`, PostgreSQL
   * `synchronous_commit=off`). Safe for bytes that only count once a later durable commit
   * (the index row) references them: that commit flushes the log up to and past them.
   * @default true
   */
  durable?: boolean;
}

/** A held session lock. */
export interface SessionLock {
  /** Aborted when the lock is lost (its connection died). */
  readonly signal: AbortSignal;
  /** Runs a statement on the lock's own connection (heartbeats). */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  release(): Promise<void>;
}

/** What the index needs from a database: the only place where SQLite and PostgreSQL differ. */
export interface SqlDriver extends SqlExecutor {
  readonly dialect: "sqlite" | "postgres";
  /** The database's name (for the `{db}` bucket-name placeholder). */
  readonly databaseName: string;
  /**
   * Runs `fn` in a transaction that also holds the per-key locks in `lockKeys` (PostgreSQL:
   * advisory transaction locks, taken in sorted order; SQLite: `BEGIN IMMEDIATE` already
   * excludes every other writer). Commits when `fn` resolves, rolls back when it throws.
   * Inside another transaction of this driver, `fn` joins it.
   */
  transaction<T>(
    fn: (tx: SqlTransaction) => Promise<T>,
    lockKeys?: readonly string[],
    options?: TransactionOptions,
  ): Promise<T>;
  /**
   * PostgreSQL only: a session advisory lock on its own connection, or `undefined` when
   * another session holds it. SQLite returns `undefined` always (the index uses a lock row).
   */
  trySessionLock?(name: string): Promise<SessionLock | undefined>;
  /**
   * Runs `fn` outside any transaction of this driver the caller is in: its statements use
   * their own connections (long work inside a claim transaction, such as copying files).
   */
  outside<T>(fn: () => T): T;
  close(): Promise<void>;
}

/** Rewrites `$n` placeholders to `?` and orders the parameters to match. */
export function toPositional(
  sql: string,
  params: readonly unknown[],
): { sql: string; params: unknown[] } {
  const ordered: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_m, n: string) => {
    ordered.push(params[Number(n) - 1]);
    return "?";
  });
  return { sql: text, params: ordered };
}
