import type { Readable } from "node:stream";

/**
 * What `put` accepts: bytes in memory, or a stream of unknown length (a Node `Readable`
 * or any async iterable of byte chunks).
 */
export type PutBody =
  Buffer | Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

/** Options of {@link ObjectStore.put}. */
export interface PutOptions {
  /** MIME type stored with the object. @default 'application/octet-stream' */
  contentType?: string;
  /** User metadata: lower-case `[a-z0-9-]` names, printable ASCII values. */
  metadata?: Record<string, string>;
  /**
   * Expected size in bytes. When given, a body of any other length is rejected with
   * `E_INTEGRITY` and nothing is stored (a truncated upload never becomes an object).
   */
  size?: number;
  /** Largest body accepted; a longer one is rejected with `E_TOO_LARGE`, nothing stored. */
  maxSize?: number;
  /** Cancels the upload: the promise rejects with `E_ABORTED` and nothing is stored. */
  signal?: AbortSignal;
  /**
   * MD5 of the body (lower-case hex), taken by the caller from the bytes it means to store.
   * A store that uploads in one request sends it for the server to check (S3 `Content-MD5`,
   * Swift `ETag`): a body that differs is refused with `E_INTEGRITY` and nothing is stored.
   * Multipart uploads and local stores do not use it.
   */
  md5?: string;
}

/** What `put` reports about the stored object. */
export interface PutResult {
  key: string;
  /** Bytes stored. */
  size: number;
  /** The store's entity tag, when it has one. */
  etag?: string;
}

/** What `head` reports. */
export interface ObjectInfo {
  key: string;
  size: number;
  contentType: string;
  etag?: string;
  lastModified?: Date;
  metadata: Record<string, string>;
}

/** One entry of a listing. */
export interface ListEntry {
  key: string;
  size: number;
  etag?: string;
  lastModified?: Date;
}

/**
 * A byte range, both ends inclusive as in HTTP `Range: bytes=start-end`. `end` defaults to
 * the last byte and is clipped to it; a `start` at or past the end of a non-empty object is
 * `E_INVALID_RANGE`.
 */
export interface ByteRange {
  start: number;
  end?: number;
}

/** Options of {@link ObjectStore.getStream}. */
export interface GetStreamOptions {
  range?: ByteRange;
  signal?: AbortSignal;
  /**
   * A hint: how many bytes to read at a time, for a store that reads from its own disk (the
   * filesystem store). A bulk reader (the migration) asks for large chunks; a download keeps
   * the default, so each slow client holds little. Never changes the bytes; network stores
   * yield what the network gives.
   */
  chunkSize?: number;
}

/** Options of {@link ObjectStore.list}. */
export interface ListOptions {
  /** How many entries one round trip fetches; the iterator pages on by itself. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Options of {@link ObjectStore.signedUrl}. */
export interface SignedUrlOptions {
  /** @default 'GET' */
  method?: "GET" | "PUT";
  /** Lifetime in seconds. @default 900 */
  expiresIn?: number;
  /** Content type a GET answers with, or a PUT must send. */
  contentType?: string;
  /**
   * Exact size in bytes a PUT must send, signed into the URL where the store can (S3: the
   * `content-length` header is signed; Swift's TempURL cannot sign it).
   */
  contentLength?: number;
  /** Content-Disposition a GET answers with (S3; Swift only reads `inline` from it). */
  contentDisposition?: string;
  /** File name a GET's download gets (Swift's TempURL `filename`; S3 uses `contentDisposition`). */
  fileName?: string;
}

/**
 * What an upload cut short leaves behind in a store, outside any object: an S3 multipart
 * upload never completed or aborted, or a set of Swift segments no manifest references.
 * Invisible to `list`, billed all the same.
 */
export interface Leftover {
  kind: "multipart-upload" | "segments";
  /** The object key the upload was for. */
  key: string;
  /** The store's handle on it: the multipart upload id, or the segments' prefix. */
  id: string;
  /** Bytes it holds, where the store tells (0 when it does not). */
  size: number;
  /** When it was last written to (the grace period counts from here), where the store tells. */
  lastModified?: Date;
}

/**
 * The contract every store implements (filesystem, memory, database, S3, Swift). Keys are
 * checked by core before any I/O (see `assertValidKey`); every failure is a `StorageError`.
 */
export interface ObjectStore {
  /** Ref scheme of this store: `file`, `memory`, `db`, `s3` or `swift`. */
  readonly kind: string;
  /** Bucket (S3) or container (Swift) the store works in, when it has one. */
  readonly container?: string;

  /** Stores `body` under `key`, replacing any object there. Atomic: all or nothing. */
  put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult>;
  /** The whole object in memory. `E_NOT_FOUND` when missing. */
  get(key: string, options?: { signal?: AbortSignal }): Promise<Buffer>;
  /** The object (or a range of it) as a stream. `E_NOT_FOUND` rejects the promise itself. */
  getStream(key: string, options?: GetStreamOptions): Promise<Readable>;
  /** Size, content type, etag, last modified and metadata. `E_NOT_FOUND` when missing. */
  head(key: string): Promise<ObjectInfo>;
  /** Whether an object exists under `key`. */
  exists(key: string): Promise<boolean>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, in ascending key order, paged internally. */
  list(prefix?: string, options?: ListOptions): AsyncIterable<ListEntry>;
  /** Copies an object within the store (server-side where the server can). */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** Removes many objects, in batches where the server allows it. */
  deleteMany?(keys: readonly string[]): Promise<void>;
  /** A URL that lets a client without credentials GET or PUT the object until it expires. */
  signedUrl?(key: string, options?: SignedUrlOptions): Promise<string>;
  /**
   * Headers a client must send with a signed PUT besides `content-type`, with these exact
   * values: they are signed into the URL, and the server refuses the upload without them
   * (S3's server-side encryption, which S3 takes from headers only, never from the query).
   */
  readonly signedPutHeaders?: Readonly<Record<string, string>>;
  /**
   * Bytes a put of a stream of `size` bytes holds in memory beyond a few chunks (an S3
   * multipart upload's parts in flight), where the store buffers any: a bulk writer (the
   * migration) takes them from its memory budget before it starts such a put.
   */
  bufferedBytes?(size: number): number;
  /** Leftovers of cut uploads ({@link Leftover}), where the store can have any. */
  listLeftovers?(options?: { signal?: AbortSignal }): AsyncIterable<Leftover>;
  /** Removes a leftover (aborts the multipart upload, deletes the segments); idempotent. */
  removeLeftover?(leftover: Leftover): Promise<void>;
  /** Releases what the store opened (clients, handles). */
  close?(): Promise<void>;
}
