import { describe, expect, it } from "@jest/globals";
import { describeStoreContract } from "@cloud-platform/storage-contract";
import {
  collect,
  createMemoryStore,
  instrumentStore,
  isStorageError,
  type StoreRequest,
} from "../src/index.js";

/** An observer keeping everything it is told. */
function recorder(): {
  requests: StoreRequest[];
  written: number;
  read: number;
  observer: Parameters<typeof instrumentStore>[1];
} {
  const seen = { requests: [] as StoreRequest[], written: 0, read: 0 };
  return {
    ...seen,
    get written() {
      return seen.written;
    },
    get read() {
      return seen.read;
    },
    observer: {
      request: (r) => seen.requests.push(r),
      written: (_store, bytes) => (seen.written += bytes),
      read: (_store, bytes) => (seen.read += bytes),
    },
  };
}

// The wrapper keeps the whole contract of the store it wraps.
describeStoreContract({
  name: "memory, instrumented",
  create: async () => instrumentStore(createMemoryStore(), recorder().observer),
  inMemory: true,
  largeObjectBytes: 4 * 1024 * 1024,
});

describe("instrumentStore", () => {
  it("times every request by operation and store kind, with the bytes written and read", async () => {
    const seen = recorder();
    const store = instrumentStore(createMemoryStore(), seen.observer);
    await store.put("a/b", Buffer.alloc(1000, 1));
    await store.get("a/b");
    await collect(await store.getStream("a/b"));
    await store.head("a/b");
    await store.exists("a/c");
    await store.copy("a/b", "a/d");
    for await (const entry of store.list("a/"))
      expect(entry.key).toMatch(/^a\//);
    await store.delete("a/d");
    expect(seen.requests.map((r) => r.operation)).toEqual([
      "put",
      "get",
      "get",
      "head",
      "head",
      "copy",
      "list",
      "delete",
    ]);
    expect(new Set(seen.requests.map((r) => r.store))).toEqual(
      new Set([store.kind]),
    );
    expect(seen.requests.every((r) => r.error === undefined)).toBe(true);
    expect(seen.requests.every((r) => r.seconds >= 0 && r.seconds < 5)).toBe(
      true,
    );
    expect(seen.written).toBe(1000);
    expect(seen.read).toBe(2000);
  });

  it("reports a failure with its code, but not a head of a missing object", async () => {
    const seen = recorder();
    const store = instrumentStore(createMemoryStore(), seen.observer);
    const missing = await store.get("nope").catch((e: unknown) => e);
    expect(isStorageError(missing, "E_NOT_FOUND")).toBe(true);
    await store.head("nope").catch(() => undefined);
    await store.put("../x", "bytes").catch(() => undefined);
    expect(seen.requests.map((r) => [r.operation, r.error])).toEqual([
      ["get", "E_NOT_FOUND"],
      ["head", undefined],
      ["put", "E_INVALID_KEY"],
    ]);
  });
});
