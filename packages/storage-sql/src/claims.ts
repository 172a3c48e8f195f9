import { createHash } from "node:crypto";
import { hostname } from "node:os";
import type {
  AttachmentRecord,
  ClaimOptions,
  ClaimQuery,
  RefMove,
  RefReservation,
} from "@cloud-platform/storage-core";
import { pidAlive } from "./locks.js";
import {
  locationOf,
  placeholders,
  toRecord,
  type AttachmentRow,
} from "./rows.js";
import type { SqlDriver, SqlExecutor } from "./sql-driver.js";

const COLUMNS = "id, name, mimetype, size, checksum, ref, location, created_at";

/** How many rows reference `ref` or have it reserved by a claim (both indexed lookups). */
export async function countRefs(tx: SqlExecutor, ref: string): Promise<number> {
  const rows = await tx.all<{ n: number | string }>(
    `SELECT (SELECT count(*) FROM cp_attachments WHERE ref = $1)
       + (SELECT count(*) FROM cp_attachments WHERE claim_ref = $1) AS n`,
    [ref],
  );
  return Number(rows[0]?.n ?? 0);
}

/** A collector's mark names its process, so a mark of a dead process of this host is stale at once. */
function markOf(collector: string): string {
  return `${hostname()}/${process.pid}/${collector}`;
}

/** Whether a mark of `by` until `until` still counts: not expired, and its process alive. */
function liveMark(by: string | null, until: number | string | null): boolean {
  if (by === null || until === null || Number(until) <= Date.now())
    return false;
  const [host, pid] = by.split("/");
  return host !== hostname() || pidAlive(Number(pid));
}

interface MarkRow {
  collecting_by: string | null;
  collecting_until: number | string | null;
}

async function currentMark(
  tx: SqlExecutor,
  ref: string,
): Promise<MarkRow | undefined> {
  return (
    await tx.all<MarkRow>(
      "SELECT collecting_by, collecting_until FROM cp_garbage WHERE ref = $1",
      [ref],
    )
  )[0];
}

/** Whether a collector's mark on `ref` lives: its delete may land at any moment. */
export async function isBeingCollected(
  tx: SqlExecutor,
  ref: string,
): Promise<boolean> {
  const mark = await currentMark(tx, ref);
  return (
    mark !== undefined && liveMark(mark.collecting_by, mark.collecting_until)
  );
}

/** Marks `ref` as being collected (queueing it), unless another collector's mark lives. */
export async function markCollecting(
  tx: SqlExecutor,
  ref: string,
  collector: string,
  until: number,
): Promise<boolean> {
  const by = markOf(collector);
  const mark = await currentMark(tx, ref);
  if (
    mark &&
    mark.collecting_by !== by &&
    liveMark(mark.collecting_by, mark.collecting_until)
  )
    return false;
  await tx.run(
    `INSERT INTO cp_garbage (ref, queued_at, collecting_by, collecting_until) VALUES ($1, $2, $3, $4)
     ON CONFLICT (ref) DO UPDATE SET collecting_by = excluded.collecting_by, collecting_until = excluded.collecting_until`,
    [ref, Date.now(), by, until],
  );
  return true;
}

/** The slice of the refs `ref` belongs to (256 of them), for {@link collectionEpoch}. */
function slotOf(ref: string): number {
  return createHash("sha256").update(ref).digest().readUInt8(0);
}

/** The counter of ended collections of `ref`'s slice (0 before the first one). */
export async function collectionEpoch(
  tx: SqlExecutor,
  ref: string,
): Promise<number> {
  const rows = await tx.all<{ epoch: number | string }>(
    "SELECT epoch FROM cp_collections WHERE slot = $1",
    [slotOf(ref)],
  );
  return Number(rows[0]?.epoch ?? 0);
}

/**
 * Ends `collector`'s mark: the ref leaves the queue when deleted, else stays, unmarked.
 * Either way its slice's epoch moves (a failed delete may still have deleted).
 */
export async function endCollecting(
  tx: SqlExecutor,
  ref: string,
  collector: string,
  deleted: boolean,
): Promise<void> {
  await tx.run(
    `INSERT INTO cp_collections (slot, epoch) VALUES ($1, 1)
     ON CONFLICT (slot) DO UPDATE SET epoch = cp_collections.epoch + 1`,
    [slotOf(ref)],
  );
  await tx.run(
    deleted
      ? "DELETE FROM cp_garbage WHERE ref = $1 AND collecting_by = $2"
      : "UPDATE cp_garbage SET collecting_by = NULL, collecting_until = NULL WHERE ref = $1 AND collecting_by = $2",
    [ref, markOf(collector)],
  );
}

/**
 * Claims up to `limit` rows in one statement (its own short transaction): a lease, committed
 * before any byte moves. PostgreSQL skips rows another transaction has locked.
 */
export async function claimRows(
  driver: SqlDriver,
  query: ClaimQuery,
  options: ClaimOptions,
): Promise<AttachmentRecord[]> {
  if (query.locations.length === 0) return [];
  const now = Date.now();
  const params: unknown[] = [
    query.after ?? "",
    query.limit,
    options.claimant,
    now + (options.ttlMs ?? 600_000),
  ];
  let free = "";
  if (options.takeOver !== true) {
    params.push(now);
    free = ` AND (a.claimed_by IS NULL OR a.claimed_until < $${params.length})`;
  }
  const first = params.length + 1;
  params.push(...query.locations);
  const skip = driver.dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
  const rows = await driver.all<AttachmentRow>(
    `UPDATE cp_attachments SET claimed_by = $3, claimed_until = $4, claim_ref = NULL
     WHERE id IN (SELECT a.id FROM cp_attachments a
       WHERE a.id > $1 AND a.location IN (${placeholders(query.locations.length, first)})${free}
       ORDER BY a.id LIMIT $2${skip})
     RETURNING ${COLUMNS}`,
    params,
  );
  return rows.map(toRecord).sort((x, y) => (x.id < y.id ? -1 : 1));
}

/**
 * Reserves the refs claimed rows are about to be written to, under their ref locks: a
 * collection deciding a ref is unused either finished before (its delete done) or runs
 * after and counts the reservation. Not durable on its own: it only matters to a process
 * that is still running, and a power cut ends the claim with the process.
 */
export async function reserveRefs(
  driver: SqlDriver,
  claimant: string,
  reservations: readonly RefReservation[],
): Promise<string[]> {
  if (reservations.length === 0) return [];
  return driver.transaction(
    async (tx) => {
      const busy: string[] = [];
      for (const r of reservations) {
        if (await isBeingCollected(tx, r.ref)) {
          busy.push(r.ref);
          continue;
        }
        await tx.run(
          "UPDATE cp_attachments SET claim_ref = $1 WHERE id = $2 AND claimed_by = $3",
          [r.ref, r.id, claimant],
        );
      }
      return busy;
    },
    reservations.map((r) => r.ref),
    { durable: false },
  );
}

async function endClaims(
  tx: SqlExecutor,
  claimant: string,
  ids: readonly string[],
): Promise<void> {
  for (let at = 0; at < ids.length; at += 500) {
    const chunk = ids.slice(at, at + 500);
    await tx.run(
      `UPDATE cp_attachments SET claimed_by = NULL, claimed_until = NULL, claim_ref = NULL
       WHERE claimed_by = $1 AND id IN (${placeholders(chunk.length, 2)})`,
      [claimant, ...chunk],
    );
  }
}

/**
 * Applies the moves (compare-and-set on the old ref and the claimant) and ends the claim of
 * every row in `ids`, in one transaction. A move's new ref was reserved by the same row, so
 * the count of its references never drops to zero in between: no ref lock, no look needed.
 */
export async function commitClaim(
  driver: SqlDriver,
  claimant: string,
  ids: readonly string[],
  moves: readonly RefMove[],
): Promise<string[]> {
  return driver.transaction(async (tx) => {
    const applied: string[] = [];
    for (const move of moves) {
      const changed = await tx.run(
        `UPDATE cp_attachments SET ref = $1, location = $2, claimed_by = NULL, claimed_until = NULL,
         claim_ref = NULL WHERE id = $3 AND ref = $4 AND claimed_by = $5`,
        [move.to, locationOf(move.to), move.id, move.from, claimant],
      );
      if (changed === 0) continue;
      applied.push(move.id);
      if (move.collect)
        await tx.run(
          "INSERT INTO cp_garbage (ref, queued_at) VALUES ($1, $2) ON CONFLICT (ref) DO NOTHING",
          [move.from, Date.now()],
        );
    }
    await endClaims(tx, claimant, ids);
    return applied;
  });
}

/** Ends the claim of these rows without changing them. */
export async function releaseClaim(
  driver: SqlDriver,
  claimant: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await driver.transaction((tx) => endClaims(tx, claimant, ids));
}
