import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import {
  StorageError,
  StorageErrorCode,
  defineStore,
  resolveRange,
  type ByteRange,
  type ListEntry,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type PutResult,
  type StoreDriver,
} from "@cloud-platform/storage-core";
import type { SqlIndex } from "./sql-index.js";
import type { SqlDriver, SqlExecutor } from "./sql-driver.js";

/** Options of {@link createDatabaseStore}. */
export interface DatabaseStoreOptions {
  /** Bytes per chunk row: a stream never holds more than one chunk in memory. @default 512 KiB */
  chunkSize?: number;
  /**
   * Make every put wait for the disk. By default the bytes are flushed by the next durable
   * commit of the index (the attachment row that references them, a migration batch), which
   * is what makes them count; a standalone user wanting each put on disk sets `true`.
   * @default false
   */
  durable?: boolean;
}

interface BlobRow {
  key: string;
  blob_id: string;
  size: number | string;
  chunk_size: number | string;
  content_type: string;
  etag: string;
  metadata: string;
  updated_at: number | string;
}

const DEFAULT_TYPE = "application/octet-stream";

function notFound(key: string): StorageError {
  return new StorageError(
    StorageErrorCode.NotFound,
    `no object ${JSON.stringify(key)} in the database store`,
    { key, store: "db" },
  );
}

async function findBlob(sql: SqlExecutor, key: string): Promise<BlobRow> {
  const row = (
    await sql.all<BlobRow>("SELECT * FROM cp_blobs WHERE key = $1", [key])
  )[0];
  if (!row) throw notFound(key);
  return row;
}

/** Writes the chunks of a body under a fresh blob id; returns its size and MD5 etag. */
async function writeChunks(
  sql: SqlExecutor,
  blobId: string,
  body: Buffer | Readable,
  chunkSize: number,
): Promise<{ size: number; etag: string }> {
  const md5 = createHash("md5");
  let size = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (final: boolean): Promise<void> => {
    while (pendingBytes >= chunkSize || (final && pendingBytes > 0)) {
      const all = Buffer.concat(pending);
      const chunk = all.subarray(0, chunkSize);
      const rest = all.subarray(chunk.length);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      await sql.run(
        "INSERT INTO cp_blob_chunks (blob_id, seq, data) VALUES ($1, $2, $3)",
        [blobId, seq++, chunk],
      );
    }
  };
  const source: Iterable<Buffer> | AsyncIterable<Buffer> = Buffer.isBuffer(body)
    ? [body]
    : (body as AsyncIterable<Buffer>);
  for await (const piece of source) {
    md5.update(piece);
    size += piece.length;
    pending.push(piece);
    pendingBytes += piece.length;
    if (pendingBytes >= chunkSize) await flush(false);
  }
  await flush(true);
  return { size, etag: md5.digest("hex") };
}

async function dropBlob(sql: SqlExecutor, blobId: string): Promise<void> {
  await sql.run("DELETE FROM cp_blob_chunks WHERE blob_id = $1", [blobId]);
}

async function renewLease(sql: SqlExecutor, blobId: string): Promise<void> {
  await sql.run(
    "UPDATE cp_blob_uploads SET started_at = $1 WHERE blob_id = $2",
    [Date.now(), blobId],
  );
}

/**
 * Ends a stream upload's lease in its commit transaction, refusing a blob that is not whole:
 * an upload swept meanwhile (its lease row and chunks gone) must fail, not commit a key
 * whose bytes cannot be read.
 */
async function claimUpload(
  tx: SqlExecutor,
  key: string,
  blobId: string,
  size: number,
  chunkSize: number,
): Promise<void> {
  const leased = await tx.run(
    "DELETE FROM cp_blob_uploads WHERE blob_id = $1",
    [blobId],
  );
  const chunks = Number(
    (
      await tx.all<{ n: number | string }>(
        "SELECT count(*) AS n FROM cp_blob_chunks WHERE blob_id = $1",
        [blobId],
      )
    )[0]?.n ?? 0,
  );
  if (leased === 1 && chunks === Math.ceil(size / chunkSize)) return;
  throw new StorageError(
    StorageErrorCode.Unavailable,
    `upload of ${JSON.stringify(key)} into the database store lost ${leased === 1 ? "chunks" : "its lease"} (swept as abandoned); nothing was stored`,
    { key, store: "db" },
  );
}

async function sweepUpload(sql: SqlDriver, blobId: string): Promise<void> {
  await sql.transaction(async (tx) => {
    await dropBlob(tx, blobId);
    await tx.run("DELETE FROM cp_blob_uploads WHERE blob_id = $1", [blobId]);
  });
}

/**
 * Removes the chunks of stream uploads that never finished (the process died mid-upload):
 * those whose lease (`started_at`, refreshed with every chunk a live upload writes) is more
 * than `olderThanMs` old. Returns how many uploads were swept.
 */
export async function sweepAbandonedUploads(
  sql: SqlDriver,
  olderThanMs = 3_600_000,
): Promise<number> {
  const rows = await sql.all<{ blob_id: string }>(
    "SELECT blob_id FROM cp_blob_uploads WHERE started_at < $1",
    [Date.now() - olderThanMs],
  );
  for (const row of rows) await sweepUpload(sql, row.blob_id);
  return rows.length;
}

/** Streams the chunks of a blob covering `[start, end]`, one chunk row in memory at a time. */
async function* readChunks(
  sql: SqlDriver,
  row: BlobRow,
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  const chunkSize = Number(row.chunk_size);
  for (let seq = Math.floor(start / chunkSize); seq * chunkSize <= end; seq++) {
    const chunk = (
      await sql.all<{ data: Buffer }>(
        "SELECT data FROM cp_blob_chunks WHERE blob_id = $1 AND seq = $2",
        [row.blob_id, seq],
      )
    )[0];
    if (!chunk)
      throw new StorageError(
        StorageErrorCode.Unavailable,
        `object ${JSON.stringify(row.key)} was replaced or deleted while being read`,
        { key: row.key, store: "db" },
      );
    const offset = seq * chunkSize;
    yield chunk.data.subarray(
      Math.max(0, start - offset),
      Math.min(chunk.data.length, end - offset + 1),
    );
  }
}

/**
 * The `db` location: objects stored in the index database, in chunk rows, so a 200 MB object
 * streams in and out with about one chunk in memory. Passes the store contract suite.
 * A put is atomic: chunks go in under a fresh blob id, and one transaction switches the key
 * to it and drops the old chunks.
 */
/**
 * Bytes per chunk row. 512 KiB keeps a stream's memory low on PostgreSQL, whose driver
 * carries a `bytea` as hex text (twice the bytes, plus the Buffer) in each direction.
 */
const DEFAULT_CHUNK_SIZE = 512 * 1024;

export function createDatabaseStore(
  index: SqlIndex,
  options: DatabaseStoreOptions = {},
): ObjectStore {
  const sql = index.driver;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1024)
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      "chunkSize must be an integer of at least 1024",
    );
  const info = (row: BlobRow): ObjectInfo => ({
    key: row.key,
    size: Number(row.size),
    contentType: row.content_type,
    etag: row.etag,
    lastModified: new Date(Number(row.updated_at)),
    metadata: JSON.parse(row.metadata) as Record<string, string>,
  });
  const commit = async (
    tx: SqlExecutor,
    key: string,
    blobId: string,
    written: { size: number; etag: string },
    opts: PutOptions,
  ): Promise<void> => {
    const old = (
      await tx.all<{ blob_id: string }>(
        "SELECT blob_id FROM cp_blobs WHERE key = $1",
        [key],
      )
    )[0];
    await tx.run(
      `INSERT INTO cp_blobs (key, blob_id, size, chunk_size, content_type, etag, metadata, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (key) DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size, chunk_size = excluded.chunk_size,
       content_type = excluded.content_type, etag = excluded.etag, metadata = excluded.metadata, updated_at = excluded.updated_at`,
      [
        key,
        blobId,
        written.size,
        chunkSize,
        opts.contentType ?? DEFAULT_TYPE,
        written.etag,
        JSON.stringify(opts.metadata ?? {}),
        Date.now(),
      ],
    );
    if (old) await dropBlob(tx, old.blob_id);
  };
  const txOptions = { durable: options.durable ?? false };
  // Chunk rows of a stream commit one by one, with the store's durability.
  // Each chunk also renews the upload's lease, so a long upload is never swept as abandoned
  // by a process opening the index meanwhile.
  const chunkWriter = (blobId: string): SqlExecutor => ({
    all: (text, params) => sql.all(text, params),
    // PostgreSQL keeps plain statements here: a transaction per 1 MiB chunk costs it memory
    // and buys little; SQLite saves an fsync per chunk.
    run: async (text, params) => {
      const write = async (tx: SqlExecutor): Promise<number> => {
        const changed = await tx.run(text, params);
        await renewLease(tx, blobId);
        return changed;
      };
      return sql.dialect === "sqlite"
        ? sql.transaction(write, [], txOptions)
        : write(sql);
    },
  });
  const put = async (
    key: string,
    body: Buffer | Readable,
    opts: PutOptions,
  ): Promise<PutResult> => {
    const blobId = randomUUID();
    if (Buffer.isBuffer(body)) {
      // Bytes in memory: one transaction, one commit.
      const written = await sql.transaction(
        async (tx) => {
          const result = await writeChunks(tx, blobId, body, chunkSize);
          await commit(tx, key, blobId, result, opts);
          return result;
        },
        [`blob:${key}`],
        txOptions,
      );
      return { key, ...written };
    }
    // A stream: chunks commit one by one (bounded memory) under an upload row, so chunks
    // left by a crash can be found and swept; one transaction then switches the key.
    await sql.run(
      "INSERT INTO cp_blob_uploads (blob_id, started_at) VALUES ($1, $2)",
      [blobId, Date.now()],
    );
    try {
      const written = await writeChunks(
        chunkWriter(blobId),
        blobId,
        body,
        chunkSize,
      );
      await sql.transaction(
        async (tx) => {
          await claimUpload(tx, key, blobId, written.size, chunkSize);
          await commit(tx, key, blobId, written, opts);
        },
        [`blob:${key}`],
        txOptions,
      );
      return { key, ...written };
    } catch (error) {
      await sweepUpload(sql, blobId).catch(() => undefined);
      throw error;
    }
  };
  const getStream = async (
    key: string,
    requested?: ByteRange,
  ): Promise<Readable> => {
    const row = await findBlob(sql, key);
    const size = Number(row.size);
    const range = requested
      ? resolveRange(requested, size, key)
      : size === 0
        ? undefined
        : { start: 0, end: size - 1 };
    if (!range) return Readable.from([], { objectMode: false });
    return Readable.from(readChunks(sql, row, range.start, range.end), {
      objectMode: false,
    });
  };
  const driver: StoreDriver = {
    kind: "db",
    put: (key, body, opts) => put(key, body, opts),
    get: async (key) => {
      const row = await findBlob(sql, key);
      const parts: Buffer[] = [];
      if (Number(row.size) > 0)
        for await (const part of readChunks(sql, row, 0, Number(row.size) - 1))
          parts.push(part);
      return Buffer.concat(parts);
    },
    getStream: (key, opts = {}) => getStream(key, opts.range),
    head: async (key) => info(await findBlob(sql, key)),
    exists: async (key) =>
      (await sql.all("SELECT 1 AS ok FROM cp_blobs WHERE key = $1", [key]))
        .length > 0,
    delete: async (key) => {
      await sql.transaction(
        async (tx) => {
          const rows = await tx.all<{ blob_id: string }>(
            "DELETE FROM cp_blobs WHERE key = $1 RETURNING blob_id",
            [key],
          );
          if (rows[0]) await dropBlob(tx, rows[0].blob_id);
        },
        [`blob:${key}`],
      );
    },
    list: (prefix, opts) =>
      listBlobs(sql, prefix ?? "", opts?.pageSize ?? 1000),
    copy: async (from, to) => {
      const row = await findBlob(sql, from);
      await put(to, await getStream(from), {
        contentType: row.content_type,
        metadata: JSON.parse(row.metadata) as Record<string, string>,
      });
    },
  };
  return defineStore(driver);
}

async function* listBlobs(
  sql: SqlDriver,
  prefix: string,
  pageSize: number,
): AsyncGenerator<ListEntry> {
  // Keyset paging in byte order; the prefix test is on code points on both databases.
  // Code points, as SQL counts them (not UTF-16 units).
  const length = Array.from(prefix).length;
  const test =
    sql.dialect === "postgres"
      ? "left(key, $3) = $4"
      : "substr(key, 1, $3) = $4";
  let after = prefix === "" ? "" : undefined;
  for (;;) {
    const rows = await sql.all<BlobRow>(
      `SELECT key, size, etag, updated_at FROM cp_blobs WHERE ${after === undefined ? "key >= $1" : "key > $1"} AND ${test} ORDER BY key LIMIT $2`,
      [after ?? prefix, Math.max(1, pageSize), length, prefix],
    );
    for (const row of rows)
      yield {
        key: row.key,
        size: Number(row.size),
        etag: row.etag,
        lastModified: new Date(Number(row.updated_at)),
      };
    if (rows.length < pageSize) return;
    after = rows.at(-1)?.key;
  }
}
