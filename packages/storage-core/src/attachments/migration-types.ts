/** Options of {@link Attachments.migrate} and {@link Attachments.forceDatabase}. */
export interface MigrateOptions {
  /** List the work (through `onProgress` and the report) without changing anything. @default false */
  dryRun?: boolean;
  /** Rows claimed per batch (one commit per batch). @default 100 */
  batchSize?: number;
  /** Files copied at the same time. @default 4 */
  concurrency?: number;
  /**
   * Bytes of file contents the whole run holds in memory at once: a file up to 8 MiB is read
   * once into memory and takes its size; a larger one is streamed in 1 MiB chunks and takes
   * 4 MiB, plus what the target buffers for it (an S3 multipart upload's parts in flight).
   * Copies wait for their share, so peak memory stays flat whatever the file sizes and the
   * concurrency (at the default, 8 large files stream at once). At least 8 MiB. @default 32 MiB
   */
  bytesInFlight?: number;
  /** `migrate` only: also move `db:` attachments the force-DB rule does not keep in the database. @default false */
  includeDatabase?: boolean;
  /**
   * How a copy is verified before its ref changes. The source is always proven first (size
   * and SHA-256 against the record) and uploaded with its MD5, which S3 and Swift check on a
   * one-request upload. `size` (one request per file) then trusts the size the store
   * accepted; `full` also reads the copy back and compares its SHA-256. @default 'size'
   */
  verify?: "full" | "size";
  /** Called after every file (and once per file in a dry run). */
  onProgress?: (progress: MigrationProgress) => void;
  /** Stops after the current files; the batch in flight is not committed. */
  signal?: AbortSignal;
  /** Who runs it, shown by `lockHolder` (e.g. `cli`, `start-up`). @default 'migrate' */
  holder?: string;
}

/** One file of a migration. */
export interface MigrationItem {
  id: string;
  name: string;
  size: number;
  from: string;
  /** The target location (`db`, `s3://bucket`, …). */
  to: string;
  status: "planned" | "moved" | "skipped" | "failed";
  reason?: string;
}

/** Progress of a migration. */
export interface MigrationProgress {
  item: MigrationItem;
  /** Files handled so far (moved + skipped + failed, or planned). */
  done: number;
  /** Files to consider, counted at the start. */
  total: number;
  /** Bytes moved (or planned) so far. */
  bytes: number;
}

/** A file the migration could not move. */
export interface MigrationFailure {
  id: string;
  ref: string;
  /** The `StorageError` code, when the error had one. */
  code?: string;
  reason: string;
}

/** What a migration did. */
export interface MigrationReport {
  /**
   * `done`: ran to the end (see `failed`); `already-running`: another process holds the
   * lock, nothing done; `skipped`: object storage disabled; `aborted`: the signal fired or
   * the lock was lost.
   */
  status: "done" | "already-running" | "skipped" | "aborted";
  reason?: string;
  dryRun: boolean;
  /** Where files moved to: a location, or `placement` when each file goes where the rules say. */
  target: string;
  /** Files moved (or, in a dry run, planned). */
  moved: number;
  /** Files looked at that stay where they are, or changed meanwhile. */
  skipped: number;
  failed: MigrationFailure[];
  /** Bytes moved (or planned). */
  bytes: number;
  durationMs: number;
  filesPerSecond: number;
  bytesPerSecond: number;
  /** Unused old files deleted (including leftovers of an interrupted run). */
  collected: number;
}
