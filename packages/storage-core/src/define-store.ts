import { Readable } from "node:stream";
import {
  StorageError,
  StorageErrorCode,
  isAbortError,
  isStorageError,
} from "./errors.js";
import {
  assertValidKey,
  assertValidMetadata,
  assertValidPrefix,
} from "./keys.js";
import type {
  ByteRange,
  ListEntry,
  ListOptions,
  ObjectStore,
  PutBody,
  PutOptions,
  PutResult,
} from "./object-store.js";

/**
 * What a store implementation provides. It is the {@link ObjectStore} contract, except that
 * `put` always receives a `Buffer` (size known) or a `Readable` (size unknown) whose length
 * limits are already enforced: the stream errors with a `StorageError` when the body breaks
 * `size`/`maxSize`, when the source fails, or when the signal aborts. A driver that sees its
 * body error must store nothing.
 */
export interface StoreDriver extends Omit<ObjectStore, "put"> {
  put(
    key: string,
    body: Buffer | Readable,
    options: PutOptions,
  ): Promise<PutResult>;
}

/**
 * Wraps a driver into an {@link ObjectStore} that does the cross-cutting work once: key,
 * prefix, metadata and range checks before any I/O, body normalisation and length limits,
 * and error wrapping (anything that is not a `StorageError` becomes one, with the key, the
 * store and the original error as `cause`).
 */
export function defineStore(driver: StoreDriver): ObjectStore {
  const label =
    driver.container === undefined
      ? driver.kind
      : `${driver.kind}:${driver.container}`;
  const wrap = async <T>(
    key: string | undefined,
    op: string,
    run: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toStorageError(error, { key, store: label, op, signal });
    }
  };
  const key = (k: unknown): string => {
    assertValidKey(k, label);
    return k;
  };
  const store: ObjectStore = {
    kind: driver.kind,
    put: async (k, body, options = {}) => {
      key(k);
      assertValidMetadata(options.metadata, label);
      checkLimits(options, label);
      if (options.signal?.aborted)
        throw toStorageError(options.signal.reason, {
          key: k,
          store: label,
          op: "put",
          signal: options.signal,
        });
      const prepared = prepareBody(body, options, k, label);
      return wrap(
        k,
        "put",
        () => driver.put(k, prepared, options),
        options.signal,
      );
    },
    get: async (k, options = {}) =>
      wrap(key(k), "get", () => driver.get(k, options), options.signal),
    getStream: async (k, options = {}) => {
      key(k);
      if (options.range) checkRange(options.range, label);
      return wrap(
        k,
        "getStream",
        () => driver.getStream(k, options),
        options.signal,
      );
    },
    head: async (k) => wrap(key(k), "head", () => driver.head(k)),
    exists: async (k) => wrap(key(k), "exists", () => driver.exists(k)),
    delete: async (k) => wrap(key(k), "delete", () => driver.delete(k)),
    list: (prefix = "", options = {}) =>
      listChecked(driver, prefix, options, label),
    copy: async (from, to) => {
      key(from);
      key(to);
      return wrap(from, "copy", () => driver.copy(from, to));
    },
  };
  if (driver.container !== undefined)
    Object.assign(store, { container: driver.container });
  if (driver.signedPutHeaders !== undefined)
    Object.assign(store, { signedPutHeaders: driver.signedPutHeaders });
  const {
    deleteMany,
    signedUrl,
    close,
    listLeftovers,
    removeLeftover,
    bufferedBytes,
  } = driver;
  if (bufferedBytes)
    store.bufferedBytes = (size) => bufferedBytes.call(driver, size);
  if (listLeftovers) store.listLeftovers = (o) => listLeftovers.call(driver, o);
  if (removeLeftover)
    store.removeLeftover = async (leftover) =>
      wrap(leftover.key, "removeLeftover", () =>
        removeLeftover.call(driver, leftover),
      );
  if (deleteMany) {
    store.deleteMany = async (keys) => {
      keys.forEach((k) => key(k));
      return wrap(undefined, "deleteMany", () => deleteMany.call(driver, keys));
    };
  }
  if (signedUrl)
    store.signedUrl = async (k, options) =>
      wrap(key(k), "signedUrl", () => signedUrl.call(driver, k, options));
  if (close)
    store.close = async () =>
      wrap(undefined, "close", () => close.call(driver));
  return store;
}

function checkLimits(options: PutOptions, store: string): void {
  for (const name of ["size", "maxSize"] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new StorageError(
        StorageErrorCode.InvalidArgument,
        `${name} must be a non-negative integer`,
        { store },
      );
    }
  }
  if (options.md5 !== undefined && !/^[0-9a-f]{32}$/.test(options.md5))
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      "md5 must be 32 lower-case hex digits",
      { store },
    );
}

function checkRange(range: ByteRange, store: string): void {
  const { start, end } = range;
  const ok =
    Number.isSafeInteger(start) &&
    start >= 0 &&
    (end === undefined || (Number.isSafeInteger(end) && end >= start));
  if (!ok)
    throw new StorageError(
      StorageErrorCode.InvalidArgument,
      `invalid byte range ${JSON.stringify(range)}`,
      { store },
    );
}

function prepareBody(
  body: PutBody,
  options: PutOptions,
  key: string,
  store: string,
): Buffer | Readable {
  if (typeof body === "string" || body instanceof Uint8Array) {
    const buffer =
      typeof body === "string"
        ? Buffer.from(body, "utf8")
        : Buffer.isBuffer(body)
          ? body
          : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (options.size !== undefined && buffer.length !== options.size) {
      throw new StorageError(
        StorageErrorCode.Integrity,
        `body is ${buffer.length} bytes, expected ${options.size}`,
        { key, store },
      );
    }
    if (options.maxSize !== undefined && buffer.length > options.maxSize) {
      throw new StorageError(
        StorageErrorCode.TooLarge,
        `body is ${buffer.length} bytes, over the limit of ${options.maxSize}`,
        { key, store },
      );
    }
    return buffer;
  }
  // Lazy: nothing is read from the source until the driver reads, so every error below
  // reaches the driver's own read loop (never an unhandled 'error' event).
  return Readable.from(guardBody(body, options, key, store), {
    objectMode: false,
  });
}

/** Yields the body's chunks; throws a `StorageError` when it breaks the limits, fails or is aborted. */
async function* guardBody(
  body: Readable | AsyncIterable<Uint8Array>,
  limits: PutOptions,
  key: string,
  store: string,
): AsyncGenerator<Buffer> {
  const { signal, size, maxSize } = limits;
  const fail = (
    code: StorageErrorCode,
    message: string,
    cause?: unknown,
  ): StorageError => new StorageError(code, message, { key, store, cause });
  const onAbort = (): void => {
    if (body instanceof Readable)
      body.destroy(
        fail(StorageErrorCode.Aborted, "upload aborted", signal?.reason),
      );
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  let seen = 0;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      if (signal?.aborted)
        throw fail(StorageErrorCode.Aborted, "upload aborted", signal.reason);
      const buf =
        typeof chunk === "string"
          ? Buffer.from(chunk)
          : Buffer.isBuffer(chunk)
            ? chunk
            : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      seen += buf.length;
      if (maxSize !== undefined && seen > maxSize)
        throw fail(
          StorageErrorCode.TooLarge,
          `body is over the limit of ${maxSize} bytes`,
        );
      if (size !== undefined && seen > size)
        throw fail(
          StorageErrorCode.Integrity,
          `body is longer than its announced ${size} bytes`,
        );
      yield buf;
    }
  } catch (error) {
    if (isStorageError(error)) throw error;
    if (signal?.aborted)
      throw fail(StorageErrorCode.Aborted, "upload aborted", signal.reason);
    throw fail(
      StorageErrorCode.Aborted,
      `upload source failed: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  if (signal?.aborted)
    throw fail(StorageErrorCode.Aborted, "upload aborted", signal.reason);
  if (size !== undefined && seen !== size)
    throw fail(
      StorageErrorCode.Integrity,
      `body ended after ${seen} bytes, expected ${size} (truncated upload)`,
    );
}

interface WrapContext {
  key: string | undefined;
  store: string;
  op: string;
  signal?: AbortSignal | undefined;
}

/** Turns anything thrown by a driver into a `StorageError` (kept as is when it already is one). */
export function toStorageError(
  error: unknown,
  context: WrapContext,
): StorageError {
  if (isStorageError(error)) return error;
  const { key, store, op, signal } = context;
  const where =
    key === undefined ? store : `${store} key ${JSON.stringify(key)}`;
  if (signal?.aborted || isAbortError(error)) {
    return new StorageError(
      StorageErrorCode.Aborted,
      `${op} aborted (${where})`,
      { key, store, cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError(
    StorageErrorCode.Unavailable,
    `${op} failed (${where}): ${message}`,
    { key, store, cause: error },
  );
}

async function* listChecked(
  driver: StoreDriver,
  prefix: string,
  options: ListOptions,
  store: string,
): AsyncGenerator<ListEntry> {
  assertValidPrefix(prefix, store);
  const { signal } = options;
  try {
    for await (const item of driver.list(prefix, options)) {
      signal?.throwIfAborted();
      yield item;
    }
  } catch (error) {
    throw toStorageError(error, { key: undefined, store, op: "list", signal });
  }
}
