import { Transform, pipeline, type Readable } from "node:stream";
import { StorageErrorCode, isStorageError } from "./errors.js";
import type { ListEntry, ObjectStore } from "./object-store.js";

/**
 * The operations an instrumented store reports: a bounded set (`exists` counts as a `head`,
 * `getStream` and `get` as a `get`, `deleteMany` as a `delete`).
 */
export type StoreOperation =
  "put" | "get" | "head" | "delete" | "list" | "copy";

/** One request to a store, as {@link instrumentStore} reports it. */
export interface StoreRequest {
  operation: StoreOperation;
  /** The store's kind (`s3`, `swift`, `file`, `db`, `memory`): never a bucket, never a key. */
  store: string;
  /** From the call until the answer (for a stream, until it is opened). */
  seconds: number;
  /**
   * The `StorageError` code of a failure (`E_UNKNOWN` for anything else); absent on success,
   * on a `head` of a missing object and on a request its caller aborted.
   */
  error?: string;
}

/** What {@link instrumentStore} tells its observer. */
export interface StoreObserver {
  /** After every request, successful or not. */
  request(request: StoreRequest): void;
  /** Bytes a `put` stored. */
  written?(store: string, bytes: number): void;
  /** Bytes read by a `get`, or by a stream as it flows. */
  read?(store: string, bytes: number): void;
}

function codeOf(error: unknown): string {
  return isStorageError(error) ? error.code : "E_UNKNOWN";
}

/**
 * Errors that are an answer, not a failure of the store: a `head` of a missing object, and
 * a request its caller aborted. A `get` of a missing object is a failure: a ref points at
 * bytes that are not there.
 */
function answers(operation: StoreOperation, code: string): boolean {
  return (
    code === StorageErrorCode.Aborted ||
    (operation === "head" && code === StorageErrorCode.NotFound)
  );
}

/** Counts a stream's bytes as they pass, without taking it out of paused mode. */
function counted(stream: Readable, onBytes: (bytes: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
  // Errors travel on; destroying the counter (a client gone) destroys the source.
  return pipeline(stream, counter, () => undefined);
}

/**
 * Wraps a store so every request is timed and reported, with its error code, and the bytes
 * written and read are counted. Labels stay bounded: the store's kind and the operation
 * only. Everything else (kind, container, signedUrl, close…) is the store's own.
 */
export function instrumentStore(
  store: ObjectStore,
  observer: StoreObserver,
): ObjectStore {
  const kind = store.kind;
  const timed = async <T>(
    operation: StoreOperation,
    run: () => Promise<T>,
  ): Promise<T> => {
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const result = await run();
      observer.request({ operation, store: kind, seconds: seconds() });
      return result;
    } catch (error) {
      const code = codeOf(error);
      observer.request(
        answers(operation, code)
          ? { operation, store: kind, seconds: seconds() }
          : { operation, store: kind, seconds: seconds(), error: code },
      );
      throw error;
    }
  };
  const wrapped: Partial<ObjectStore> = {
    put: async (key, body, options) => {
      const result = await timed("put", () => store.put(key, body, options));
      observer.written?.(kind, result.size);
      return result;
    },
    get: async (key, options) => {
      const bytes = await timed("get", () => store.get(key, options));
      observer.read?.(kind, bytes.length);
      return bytes;
    },
    getStream: async (key, options) => {
      const stream = await timed("get", () => store.getStream(key, options));
      if (!observer.read) return stream;
      return counted(stream, (n) => observer.read?.(kind, n));
    },
    head: (key) => timed("head", () => store.head(key)),
    exists: (key) => timed("head", () => store.exists(key)),
    delete: (key) => timed("delete", () => store.delete(key)),
    copy: (from, to) => timed("copy", () => store.copy(from, to)),
    list: (prefix, options) =>
      timedList(store, kind, observer, prefix, options),
  };
  if (store.deleteMany) {
    const deleteMany = store.deleteMany.bind(store);
    wrapped.deleteMany = (keys) => timed("delete", () => deleteMany(keys));
  }
  return new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === "string" && property in wrapped)
        return wrapped[property as keyof ObjectStore];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function"
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** A listing counts as one `list` request, timed until its first entry (or its end). */
function timedList(
  store: ObjectStore,
  kind: string,
  observer: StoreObserver,
  prefix: string | undefined,
  options: Parameters<ObjectStore["list"]>[1],
): AsyncIterable<ListEntry> {
  return {
    async *[Symbol.asyncIterator]() {
      const started = performance.now();
      let reported = false;
      const report = (error?: string): void => {
        if (reported) return;
        reported = true;
        const seconds = (performance.now() - started) / 1000;
        observer.request(
          error === undefined
            ? { operation: "list", store: kind, seconds }
            : { operation: "list", store: kind, seconds, error },
        );
      };
      try {
        for await (const entry of store.list(prefix, options)) {
          report();
          yield entry;
        }
        report();
      } catch (error) {
        const code = codeOf(error);
        report(answers("list", code) ? undefined : code);
        throw error;
      }
    },
  };
}
