import type { SqlDriver, SqlExecutor } from "./sql-driver.js";

/** One versioned schema step; DDL per dialect. */
interface SchemaStep {
  version: number;
  sqlite: string[];
  postgres: string[];
}

// Keys, ids and refs compare in byte order on both databases (COLLATE "C" on PostgreSQL;
// SQLite's BINARY is byte order already), so listings match the object stores' order.
const STEPS: readonly SchemaStep[] = [
  {
    version: 1,
    sqlite: [
      `CREATE TABLE cp_attachments (id TEXT PRIMARY KEY, name TEXT NOT NULL, mimetype TEXT NOT NULL, size INTEGER NOT NULL,
        checksum TEXT NOT NULL, ref TEXT NOT NULL, location TEXT NOT NULL, created_at INTEGER NOT NULL)`,
      "CREATE INDEX cp_attachments_ref ON cp_attachments (ref)",
      "CREATE INDEX cp_attachments_location ON cp_attachments (location, id)",
      "CREATE TABLE cp_garbage (ref TEXT PRIMARY KEY, queued_at INTEGER NOT NULL)",
      "CREATE TABLE cp_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL)",
      `CREATE TABLE cp_locks (name TEXT PRIMARY KEY, token TEXT NOT NULL, holder TEXT NOT NULL, pid INTEGER NOT NULL,
        hostname TEXT NOT NULL, acquired_at INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
      `CREATE TABLE cp_blobs (key TEXT PRIMARY KEY, blob_id TEXT NOT NULL, size INTEGER NOT NULL, chunk_size INTEGER NOT NULL,
        content_type TEXT NOT NULL, etag TEXT NOT NULL, metadata TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
      "CREATE TABLE cp_blob_chunks (blob_id TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (blob_id, seq))",
      "CREATE TABLE cp_blob_uploads (blob_id TEXT PRIMARY KEY, started_at INTEGER NOT NULL)",
    ],
    postgres: [
      `CREATE TABLE cp_attachments (id TEXT COLLATE "C" PRIMARY KEY, name TEXT NOT NULL, mimetype TEXT NOT NULL,
        size BIGINT NOT NULL, checksum TEXT NOT NULL, ref TEXT COLLATE "C" NOT NULL, location TEXT COLLATE "C" NOT NULL,
        created_at BIGINT NOT NULL)`,
      "CREATE INDEX cp_attachments_ref ON cp_attachments (ref)",
      "CREATE INDEX cp_attachments_location ON cp_attachments (location, id)",
      'CREATE TABLE cp_garbage (ref TEXT COLLATE "C" PRIMARY KEY, queued_at BIGINT NOT NULL)',
      "CREATE TABLE cp_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL)",
      `CREATE TABLE cp_locks (name TEXT PRIMARY KEY, token TEXT NOT NULL, holder TEXT NOT NULL, pid INTEGER NOT NULL,
        hostname TEXT NOT NULL, acquired_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)`,
      `CREATE TABLE cp_blobs (key TEXT COLLATE "C" PRIMARY KEY, blob_id TEXT NOT NULL, size BIGINT NOT NULL,
        chunk_size INTEGER NOT NULL, content_type TEXT NOT NULL, etag TEXT NOT NULL, metadata TEXT NOT NULL,
        updated_at BIGINT NOT NULL)`,
      "CREATE TABLE cp_blob_chunks (blob_id TEXT NOT NULL, seq INTEGER NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (blob_id, seq))",
      // Chunks are already compressed or incompressible often enough: skip TOAST compression.
      "ALTER TABLE cp_blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL",
      "CREATE TABLE cp_blob_uploads (blob_id TEXT PRIMARY KEY, started_at BIGINT NOT NULL)",
    ],
  },
  {
    // Migration claims are committed leases (who, until) and the ref each claimed row is
    // about to be written to, which counts as a reference until the claim ends.
    version: 2,
    sqlite: [
      "ALTER TABLE cp_attachments ADD COLUMN claimed_by TEXT",
      "ALTER TABLE cp_attachments ADD COLUMN claimed_until INTEGER",
      "ALTER TABLE cp_attachments ADD COLUMN claim_ref TEXT",
      "CREATE INDEX cp_attachments_claim_ref ON cp_attachments (claim_ref) WHERE claim_ref IS NOT NULL",
    ],
    postgres: [
      `ALTER TABLE cp_attachments ADD COLUMN claimed_by TEXT, ADD COLUMN claimed_until BIGINT,
        ADD COLUMN claim_ref TEXT COLLATE "C"`,
      "CREATE INDEX cp_attachments_claim_ref ON cp_attachments (claim_ref) WHERE claim_ref IS NOT NULL",
    ],
  },
  {
    // A queued ref being collected carries its collector and deadline: the delete runs
    // outside any transaction, so reservations and inserts must see it under way.
    version: 3,
    sqlite: [
      "ALTER TABLE cp_garbage ADD COLUMN collecting_by TEXT",
      "ALTER TABLE cp_garbage ADD COLUMN collecting_until INTEGER",
    ],
    postgres: [
      "ALTER TABLE cp_garbage ADD COLUMN collecting_by TEXT, ADD COLUMN collecting_until BIGINT",
    ],
  },
  {
    // One counter per slice of the refs, moved by every ended collection: an insert tells
    // from it, without a look at the store, whether the bytes it found may be gone since.
    version: 4,
    sqlite: [
      "CREATE TABLE cp_collections (slot INTEGER PRIMARY KEY, epoch INTEGER NOT NULL)",
    ],
    postgres: [
      "CREATE TABLE cp_collections (slot INTEGER PRIMARY KEY, epoch BIGINT NOT NULL)",
    ],
  },
];

/** The schema version this release writes. */
export const SCHEMA_VERSION = STEPS.length;

async function currentVersion(tx: SqlExecutor): Promise<number> {
  await tx.run(
    "CREATE TABLE IF NOT EXISTS cp_schema (version INTEGER NOT NULL)",
  );
  const rows = await tx.all<{ version: number | string | null }>(
    "SELECT max(version) AS version FROM cp_schema",
  );
  return Number(rows[0]?.version ?? 0);
}

/**
 * Creates or upgrades the schema, in one transaction under a lock (PostgreSQL: an advisory
 * transaction lock; SQLite: `BEGIN IMMEDIATE`), so two processes opening the same database
 * at once apply each step exactly once.
 */
export async function migrateSchema(
  driver: SqlDriver,
  schema: string | undefined,
): Promise<number> {
  return driver.transaction(
    async (tx) => {
      if (driver.dialect === "postgres" && schema !== undefined)
        await tx.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      const from = await currentVersion(tx);
      for (const step of STEPS) {
        if (step.version <= from) continue;
        for (const sql of step[driver.dialect]) await tx.run(sql);
        await tx.run("INSERT INTO cp_schema (version) VALUES ($1)", [
          step.version,
        ]);
      }
      return Math.max(from, SCHEMA_VERSION);
    },
    ["schema"],
  );
}
