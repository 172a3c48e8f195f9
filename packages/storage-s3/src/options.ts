import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";

/**
 * Work-arounds for S3-compatible servers (OpenStack Swift's s3api, Ceph, MinIO, Exoscale
 * SOS). Each one is harmless on AWS, so all are on by default.
 */
export interface S3CompatOptions {
  /**
   * Send and check checksums only when an operation requires them
   * (`requestChecksumCalculation` / `responseChecksumValidation` = `WHEN_REQUIRED`). The
   * SDK's default sends streamed bodies as `aws-chunked` with checksum trailers, which many
   * servers reject (Swift 2.30: 501 NotImplemented) or store verbatim (s3rver: corruption).
   * Applies to clients the store creates. @default true
   */
  checksumWhenRequired?: boolean;
  /**
   * Send `Content-MD5` (instead of a CRC32 checksum header) with DeleteObjects; servers that
   * predate flexible checksums refuse the call without it. Added per command, so an
   * injected client is never modified. @default true
   */
  deleteObjectsContentMd5?: boolean;
  /**
   * Path-style URLs (`https://host/bucket/key`) instead of virtual-hosted ones
   * (`https://bucket.host/key`). Applies to clients the store creates.
   * @default true when `clientConfig.endpoint` is set (an S3-compatible server), else false
   */
  forcePathStyle?: boolean;
}

/** Multipart upload tuning: memory use is about `partSize × (queueSize + 1)` per upload. */
export interface S3MultipartOptions {
  /**
   * Bytes per part; a body up to this size goes as one PutObject, a larger or
   * unknown-length one as a multipart upload. At least 5 MiB (the S3 minimum). The default
   * is that minimum, as in `@aws-sdk/lib-storage` and rclone: a streamed upload then holds
   * about 30 MiB of parts (with `queueSize` 4) instead of 48 with 8 MiB parts.
   * @default 5 MiB
   */
  partSize?: number;
  /** Parts uploaded at once. @default 4 */
  queueSize?: number;
  /**
   * A stream whose size is announced (`PutOptions.size`) up to this many bytes goes as one
   * streamed PutObject (with `Content-MD5` when `PutOptions.md5` is given), not in parts:
   * one request instead of `size / partSize + 2`, and memory of a few chunks instead of
   * parts. Such a request is not retried (a stream cannot be replayed). At most 5 GiB (the
   * S3 limit of one PUT); 0 turns it off. @default 200 MiB (rclone's S3 upload cutoff)
   */
  singleRequestMax?: number;
}

/**
 * How the SDK retries transient failures (network errors, throttling, 5xx): exponential
 * backoff with full jitter, `delay = random(0, min(maxDelayMs, baseDelayMs × 2^retry))`,
 * honouring a server's `Retry-After`. Client errors (4xx) are never retried. Streamed
 * single-request bodies cannot be replayed, so the SDK does not retry those; multipart parts
 * are buffers and are retried. Applies to clients the store creates.
 */
export interface S3RetryOptions {
  /** Attempts per request, the first one included (1 = no retry). @default 4 */
  maxAttempts?: number;
  /** Base of the exponential backoff, in ms. @default 100 */
  baseDelayMs?: number;
  /** Cap of one backoff delay, in ms. @default 5000 */
  maxDelayMs?: number;
}

/** Options of {@link createS3Store}. Give either `client` or `clientConfig`. */
export interface S3StoreOptions {
  /** The bucket every key lives in (reads and writes). Required. */
  bucket: string;
  /**
   * An S3 client you configured and own: the store uses it as is and never destroys it
   * (configure checksum mode and path style on it yourself, see `compat`).
   */
  client?: S3Client;
  /**
   * Configuration of a client the store creates (and destroys in `close()`), with
   * `compat`, `retry` and the timeouts applied unless set here explicitly.
   */
  clientConfig?: S3ClientConfig;
  /** Key prefix inside the bucket (e.g. `attachments/`); keys are stored as `prefix + key`. @default '' */
  prefix?: string;
  /**
   * Create the bucket on the first write when it does not exist (in the client's region).
   * Never done on a read. Only enable it for your own write bucket. @default false
   */
  createBucket?: boolean;
  /**
   * Server-side encryption asked for every written object (PutObject,
   * CreateMultipartUpload, CopyObject), e.g. `AES256`. @default none (the bucket's default)
   */
  serverSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  /**
   * KMS key (id, ARN or alias) of `aws:kms` / `aws:kms:dsse` encryption, sent as
   * `SSEKMSKeyId` with every write. @default none (the account's default KMS key)
   */
  sseKmsKeyId?: string;
  /**
   * Keys per DeleteObjects call of `deleteMany`; lower it for servers with a smaller limit.
   * @default 1000 (the S3 maximum)
   */
  deleteBatchSize?: number;
  /** Multipart upload tuning. */
  multipart?: S3MultipartOptions;
  /** Compatibility switches for S3-compatible servers. */
  compat?: S3CompatOptions;
  /** Retry policy of a created client. */
  retry?: S3RetryOptions;
  /** TCP connect timeout of a created client, in ms. @default 5000 */
  connectionTimeoutMs?: number;
  /** Idle-socket timeout of a created client's requests, in ms. @default 60000 */
  requestTimeoutMs?: number;
  /**
   * How long an AbortMultipartUpload that failed (server unreachable) keeps being retried in
   * the background, in ms, so no incomplete upload is left once the server answers again.
   * @default 600000
   */
  cleanupRetryMs?: number;
}

/** Smallest part S3 accepts (except the last one). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/** {@link S3StoreOptions} with every default filled in. */
export interface ResolvedS3Options {
  bucket: string;
  prefix: string;
  createBucket: boolean;
  serverSideEncryption: S3StoreOptions["serverSideEncryption"];
  sseKmsKeyId: string | undefined;
  deleteBatchSize: number;
  partSize: number;
  queueSize: number;
  singleRequestMax: number;
  compat: Required<S3CompatOptions>;
  retry: Required<S3RetryOptions>;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  cleanupRetryMs: number;
}
