import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { HeldLock, LockHolder } from "@cloud-platform/storage-core";
import type { SqlDriver } from "./sql-driver.js";

interface LockRow {
  token: string;
  holder: string;
  pid: number | string;
  hostname: string;
  acquired_at: number | string;
  heartbeat_at: number | string;
  expires_at: number | string;
}

/** Whether process `pid` of this host runs. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A lock row is stale when its heartbeat expired, or its process on this host is gone. */
function isStale(row: LockRow, now: number): boolean {
  if (Number(row.expires_at) <= now) return true;
  return row.hostname === hostname() && !pidAlive(Number(row.pid));
}

const UPSERT = `INSERT INTO cp_locks (name, token, holder, pid, hostname, acquired_at, heartbeat_at, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
  ON CONFLICT (name) DO UPDATE SET token = excluded.token, holder = excluded.holder, pid = excluded.pid,
  hostname = excluded.hostname, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at,
  expires_at = excluded.expires_at`;

/**
 * Takes a named cross-process lock. PostgreSQL: a session advisory lock on its own
 * connection (released by the server when the process dies), plus a row saying who holds it.
 * SQLite: the row itself, taken under `BEGIN IMMEDIATE`, kept alive by a heartbeat, and taken
 * over when expired or when its process on this host is gone.
 */
export async function acquireLock(
  driver: SqlDriver,
  name: string,
  holder: string,
  ttlMs: number,
): Promise<HeldLock | undefined> {
  const token = randomUUID();
  const now = Date.now();
  const row = [name, token, holder, process.pid, hostname(), now, now + ttlMs];
  const session = await driver.trySessionLock?.(name);
  if (driver.dialect === "postgres") {
    if (!session) return undefined;
    try {
      await session.run(UPSERT, row);
    } catch (error) {
      await session.release();
      throw error;
    }
  } else {
    const taken = await driver.transaction(async (tx) => {
      const current = (
        await tx.all<LockRow>("SELECT * FROM cp_locks WHERE name = $1", [name])
      )[0];
      if (current && !isStale(current, Date.now())) return false;
      await tx.run(UPSERT, row);
      return true;
    });
    if (!taken) return undefined;
  }
  return heldLock(driver, name, token, ttlMs, session);
}

function heldLock(
  driver: SqlDriver,
  name: string,
  token: string,
  ttlMs: number,
  session: Awaited<ReturnType<NonNullable<SqlDriver["trySessionLock"]>>>,
): HeldLock {
  const controller = new AbortController();
  session?.signal.addEventListener(
    "abort",
    () => controller.abort(session.signal.reason),
    { once: true },
  );
  const run = session ? session.run.bind(session) : driver.run.bind(driver);
  const beat = async (): Promise<void> => {
    const now = Date.now();
    const changed = await run(
      "UPDATE cp_locks SET heartbeat_at = $1, expires_at = $2 WHERE name = $3 AND token = $4",
      [now, now + ttlMs, name, token],
    );
    if (changed === 0)
      controller.abort(new Error(`lock ${name} was taken over`));
  };
  const timer = setInterval(
    () => {
      beat().catch((error: unknown) => controller.abort(error));
    },
    Math.max(250, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  let released = false;
  return {
    signal: controller.signal,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      await run("DELETE FROM cp_locks WHERE name = $1 AND token = $2", [
        name,
        token,
      ]).catch(() => undefined);
      await session?.release();
    },
  };
}

/** Who holds the named lock: its row, when its heartbeat is fresh. */
export async function lockHolder(
  driver: SqlDriver,
  name: string,
): Promise<LockHolder | undefined> {
  const row = (
    await driver.all<LockRow>("SELECT * FROM cp_locks WHERE name = $1", [name])
  )[0];
  if (!row || isStale(row, Date.now())) return undefined;
  return {
    holder: row.holder,
    pid: Number(row.pid),
    hostname: row.hostname,
    acquiredAt: new Date(Number(row.acquired_at)),
    heartbeatAt: new Date(Number(row.heartbeat_at)),
  };
}
