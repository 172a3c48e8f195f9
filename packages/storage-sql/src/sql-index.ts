import { randomUUID } from "node:crypto";
import type {
  AttachmentIndex,
  AttachmentRecord,
  ClaimQuery,
  ClaimResult,
  LocationStats,
  RefMove,
} from "@cloud-platform/storage-core";
import { StorageError, StorageErrorCode } from "@cloud-platform/storage-core";
import {
  claimRows,
  commitClaim,
  collectionEpoch,
  countRefs,
  endCollecting,
  isBeingCollected,
  markCollecting,
  releaseClaim,
  reserveRefs,
} from "./claims.js";
import { acquireLock, lockHolder } from "./locks.js";
import { SETTINGS_VERSION, listRefs, setSetting } from "./index-extras.js";
import {
  checkRecord,
  placeholders,
  toRecord,
  type AttachmentRow,
} from "./rows.js";
import type { SqlDriver } from "./sql-driver.js";

/** Options of {@link createSqlIndex}. */
export interface SqlIndexOptions {
  /** How long a lock holder stays valid without a heartbeat, in ms. @default 30000 */
  lockTtlMs?: number;
}

/** The attachment index on a SQL database, plus what the platform needs from it. */
export interface SqlIndex extends AttachmentIndex {
  readonly dialect: "sqlite" | "postgres";
  /** The database's name: the value of the `{db}` bucket-name placeholder. */
  readonly databaseName: string;
  /** The driver (used by `createDatabaseStore`). */
  readonly driver: SqlDriver;
  /** Runs `SELECT 1` (deep status checks). @throws StorageError `E_UNAVAILABLE` */
  ping(): Promise<void>;
  /** Closes the connections this index opened. */
  close(): Promise<void>;
}

const COLUMNS = "id, name, mimetype, size, checksum, ref, location, created_at";

/** Builds the {@link SqlIndex} over an opened, migrated driver. */
export function createSqlIndex(
  driver: SqlDriver,
  options: SqlIndexOptions = {},
): SqlIndex {
  const ttl = options.lockTtlMs ?? 30_000;
  const select = (where: string): string =>
    `SELECT ${COLUMNS} FROM cp_attachments ${where}`;
  return {
    dialect: driver.dialect,
    databaseName: driver.databaseName,
    driver,
    insert: async (record, insertOptions = {}) => {
      const location = checkRecord(record);
      const createdAt = record.createdAt ?? new Date();
      const { seenEpoch } = insertOptions;
      await driver.transaction(
        async (tx) => {
          if (await isBeingCollected(tx, record.ref))
            throw new StorageError(
              StorageErrorCode.NotFound,
              `the bytes of ${record.ref} are being collected; store them again`,
              { key: record.ref },
            );
          if (
            seenEpoch !== undefined &&
            (await countRefs(tx, record.ref)) === 0 &&
            (await collectionEpoch(tx, record.ref)) !== seenEpoch
          )
            throw new StorageError(
              StorageErrorCode.NotFound,
              `the bytes of ${record.ref} may have been collected since they were found; look again`,
              { key: record.ref },
            );
          return tx.run(
            `INSERT INTO cp_attachments (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [
              record.id,
              record.name,
              record.mimetype,
              record.size,
              record.checksum,
              record.ref,
              location,
              createdAt.getTime(),
            ],
          );
        },
        [record.ref],
      );
      return {
        id: record.id,
        name: record.name,
        mimetype: record.mimetype,
        size: record.size,
        checksum: record.checksum,
        ref: record.ref,
        createdAt,
      };
    },
    get: async (id) => {
      const rows = await driver.all<AttachmentRow>(select("WHERE id = $1"), [
        id,
      ]);
      return rows[0] ? toRecord(rows[0]) : undefined;
    },
    list: async (opts = {}) => {
      const params: unknown[] = [
        opts.after ?? "",
        Math.min(Math.max(opts.limit ?? 100, 1), 10_000),
      ];
      let where = "WHERE id > $1";
      if (opts.locations) {
        if (opts.locations.length === 0) return [];
        where += ` AND location IN (${placeholders(opts.locations.length, 3)})`;
        params.push(...opts.locations);
      }
      return (
        await driver.all<AttachmentRow>(
          `${select(where)} ORDER BY id LIMIT $2`,
          params,
        )
      ).map(toRecord);
    },
    delete: async (id, { collect }) =>
      driver.transaction(async (tx) => {
        const rows = await tx.all<AttachmentRow>(
          `DELETE FROM cp_attachments WHERE id = $1 RETURNING ${COLUMNS}`,
          [id],
        );
        const row = rows[0];
        if (!row) return undefined;
        if (collect(row.ref))
          await tx.run(
            "INSERT INTO cp_garbage (ref, queued_at) VALUES ($1, $2) ON CONFLICT (ref) DO NOTHING",
            [row.ref, Date.now()],
          );
        return toRecord(row);
      }),
    countRefs: (ref) => countRefs(driver, ref),
    withRefLocks: (refs, fn) =>
      driver.transaction(
        (tx) =>
          fn({
            countRefs: (ref) => countRefs(tx, ref),
            dropGarbage: async (ref) => {
              await tx.run("DELETE FROM cp_garbage WHERE ref = $1", [ref]);
            },
            markCollecting: (ref, collector, until) =>
              markCollecting(tx, ref, collector, until),
            endCollecting: (ref, collector, deleted) =>
              endCollecting(tx, ref, collector, deleted),
          }),
        refs,
      ),
    listGarbage: async (opts = {}) =>
      (
        await driver.all<{ ref: string }>(
          "SELECT ref FROM cp_garbage WHERE ref > $1 ORDER BY ref LIMIT $2",
          [opts.after ?? "", opts.limit ?? 100],
        )
      ).map((r) => r.ref),
    claimRows: (query, claim) => claimRows(driver, query, claim),
    collectionEpoch: (ref) => collectionEpoch(driver, ref),
    reserveRefs: (claimant, reservations) =>
      reserveRefs(driver, claimant, reservations),
    commitClaim: (claimant, ids, moves) =>
      commitClaim(driver, claimant, ids, moves),
    releaseClaim: (claimant, ids) => releaseClaim(driver, claimant, ids),
    claimBatch: (query, work) => claimBatch(driver, query, work),
    stats: async () =>
      (
        await driver.all<{
          location: string;
          n: number | string;
          bytes: number | string | null;
        }>(
          "SELECT location, count(*) AS n, sum(size) AS bytes FROM cp_attachments GROUP BY location ORDER BY location",
        )
      ).map((r): LocationStats => ({
        location: r.location,
        count: Number(r.n),
        bytes: Number(r.bytes ?? 0),
      })),
    getSetting: async (name) =>
      (
        await driver.all<{ value: string }>(
          "SELECT value FROM cp_settings WHERE name = $1",
          [name],
        )
      )[0]?.value,
    setSetting: (name, value) => setSetting(driver, name, value),
    settings: async () =>
      Object.fromEntries(
        (
          await driver.all<{ name: string; value: string }>(
            "SELECT name, value FROM cp_settings WHERE name <> $1 ORDER BY name",
            [SETTINGS_VERSION],
          )
        ).map((r) => [r.name, r.value]),
      ),
    settingsVersion: async () =>
      (
        await driver.all<{ value: string }>(
          "SELECT value FROM cp_settings WHERE name = $1",
          [SETTINGS_VERSION],
        )
      )[0]?.value ?? "0",
    listRefs: (opts) => listRefs(driver, opts),
    acquireLock: (name, holder) =>
      acquireLock(driver, name, holder ?? "unnamed", ttl),
    lockHolder: (name) => lockHolder(driver, name),
    ping: async () => {
      await driver.all("SELECT 1 AS ok");
    },
    close: () => driver.close(),
  };
}

async function claimBatch(
  driver: SqlDriver,
  query: ClaimQuery,
  work: (rows: readonly AttachmentRecord[]) => Promise<RefMove[]>,
): Promise<ClaimResult> {
  const claimant = randomUUID();
  const claimed = await claimRows(driver, query, { claimant });
  if (claimed.length === 0) return { claimed, applied: [] };
  const ids = claimed.map((r) => r.id);
  let moves: RefMove[];
  try {
    moves = await work(claimed);
  } catch (error) {
    await releaseClaim(driver, claimant, ids).catch(() => undefined);
    throw error;
  }
  return { claimed, applied: await commitClaim(driver, claimant, ids, moves) };
}
