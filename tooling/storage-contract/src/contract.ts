import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  StorageErrorCode,
  collect,
  isStorageError,
  type ObjectStore,
  type StorageErrorCode as Code,
} from "@cloud-platform/storage-core";
import { patternStream, sampleRss, sha256Hex } from "./helpers.js";

/** How a store enters the contract suite. */
export interface StoreContractOptions {
  /** Shown in the test names. */
  name: string;
  /** A fresh, empty store (a new bucket, container, schema or directory). */
  create(): Promise<ObjectStore>;
  /** Removes what `create` made. */
  destroy?(store: ObjectStore): Promise<void>;
  /** Size of the large streamed object. @default 200 MiB */
  largeObjectBytes?: number;
  /** How many keys the long listing test writes. @default 2600 */
  manyKeys?: number;
  /** The store keeps objects in process memory: the large-object test then skips its RSS check. */
  inMemory?: boolean;
  /** The store offers `signedUrl` (checked with a plain `fetch`). @default false */
  signedUrls?: boolean;
}

const MiB = 1024 * 1024;

async function expectCode(
  promise: Promise<unknown>,
  code: Code,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isStorageError(error) ? error.code : error).toBe(code);
}

async function listKeys(
  store: ObjectStore,
  prefix?: string,
  pageSize?: number,
): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list(
    prefix,
    pageSize === undefined ? {} : { pageSize },
  ))
    keys.push(entry.key);
  return keys;
}

async function inParallel<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

const byteOrder = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The one contract every {@link ObjectStore} passes. Call it at the top level of a test
 * file; it creates one store for the whole suite.
 */
export function describeStoreContract(options: StoreContractOptions): void {
  const large = options.largeObjectBytes ?? 200 * MiB;
  const manyKeys = options.manyKeys ?? 2600;

  describe(`ObjectStore contract: ${options.name}`, () => {
    let store: ObjectStore;
    beforeAll(async () => {
      store = await options.create();
    }, 120_000);
    afterAll(async () => {
      if (options.destroy) await options.destroy(store);
      await store.close?.();
    }, 300_000);

    describe("round trips", () => {
      it("stores and returns binary content byte for byte", async () => {
        const data = Buffer.from(
          Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256),
        );
        const result = await store.put("rt/binary.bin", data);
        expect(result.size).toBe(data.length);
        expect((await store.get("rt/binary.bin")).equals(data)).toBe(true);
      });

      it("stores and returns empty content", async () => {
        await store.put("rt/empty", Buffer.alloc(0));
        expect((await store.get("rt/empty")).length).toBe(0);
        expect((await store.head("rt/empty")).size).toBe(0);
        expect((await collect(await store.getStream("rt/empty"))).length).toBe(
          0,
        );
      });

      it("stores unicode content under a unicode key", async () => {
        const key = "rt/ünïcødé/日本語 ファイル €.txt";
        await store.put(key, "héllo wörld ✓ 🚀");
        expect((await store.get(key)).toString("utf8")).toBe(
          "héllo wörld ✓ 🚀",
        );
        expect(await listKeys(store, "rt/ünïcødé/")).toEqual([key]);
      });

      it("accepts a Uint8Array and an async iterable as bodies", async () => {
        await store.put("rt/u8", new Uint8Array([1, 2, 3]));
        async function* gen(): AsyncGenerator<Uint8Array> {
          yield new Uint8Array([4, 5]);
          yield new Uint8Array([6]);
        }
        await store.put("rt/iter", gen());
        expect([...(await store.get("rt/u8"))]).toEqual([1, 2, 3]);
        expect([...(await store.get("rt/iter"))]).toEqual([4, 5, 6]);
      });

      it("streams an object out as it was put", async () => {
        const data = Buffer.alloc(3 * MiB + 17, "x");
        await store.put("rt/stream", patternStream(data.length, { seed: 7 }));
        const expected = await sha256Hex(
          patternStream(data.length, { seed: 7 }),
        );
        expect(await sha256Hex(await store.getStream("rt/stream"))).toBe(
          expected,
        );
      });

      it("streams the same bytes whatever chunk size is asked for, whole or in a range", async () => {
        const data = Buffer.alloc(3 * MiB + 17, "x");
        await store.put("rt/chunks", patternStream(data.length, { seed: 8 }));
        const expected = await sha256Hex(
          patternStream(data.length, { seed: 8 }),
        );
        for (const chunkSize of [1000, MiB, 8 * MiB])
          expect(
            await sha256Hex(await store.getStream("rt/chunks", { chunkSize })),
          ).toBe(expected);
        const whole = await collect(await store.getStream("rt/chunks"));
        const part = await collect(
          await store.getStream("rt/chunks", {
            range: { start: 5, end: MiB + 9 },
            chunkSize: 4096,
          }),
        );
        expect(part.equals(whole.subarray(5, MiB + 10))).toBe(true);
      });

      it("replaces an object on overwrite, with its content type and metadata", async () => {
        await store.put("rt/over", "first", {
          contentType: "text/plain",
          metadata: { a: "1" },
        });
        await store.put("rt/over", "second version", {
          contentType: "application/json",
        });
        expect((await store.get("rt/over")).toString()).toBe("second version");
        const info = await store.head("rt/over");
        expect(info.size).toBe(14);
        expect(info.contentType).toBe("application/json");
        expect(info.metadata).toEqual({});
      });

      it("keeps content type and metadata", async () => {
        await store.put("rt/meta", "{}", {
          contentType: "application/json",
          metadata: { "original-name": "a%20b.json", checksum: "abc123" },
        });
        const info = await store.head("rt/meta");
        expect(info).toMatchObject({
          key: "rt/meta",
          size: 2,
          contentType: "application/json",
        });
        expect(info.metadata).toEqual({
          "original-name": "a%20b.json",
          checksum: "abc123",
        });
        // toString, not instanceof: jest runs tests in another realm, with another Date.
        expect(
          info.lastModified === undefined ||
            Object.prototype.toString.call(info.lastModified) ===
              "[object Date]",
        ).toBe(true);
      });
    });

    describe("missing objects", () => {
      it("rejects get, getStream and head of a missing key with E_NOT_FOUND", async () => {
        await expectCode(
          store.get("missing/nothing"),
          StorageErrorCode.NotFound,
        );
        await expectCode(
          store.getStream("missing/nothing"),
          StorageErrorCode.NotFound,
        );
        await expectCode(
          store.head("missing/nothing"),
          StorageErrorCode.NotFound,
        );
      });

      it("answers exists with true or false", async () => {
        await store.put("missing/present", "x");
        expect(await store.exists("missing/present")).toBe(true);
        expect(await store.exists("missing/absent")).toBe(false);
      });

      it("deletes idempotently", async () => {
        await store.put("missing/del", "x");
        await store.delete("missing/del");
        await store.delete("missing/del");
        expect(await store.exists("missing/del")).toBe(false);
        await expectCode(store.get("missing/del"), StorageErrorCode.NotFound);
      });

      it("names the key in a not-found error", async () => {
        const error = await store.get("missing/named").catch((e: unknown) => e);
        expect(isStorageError(error) && error.key).toBe("missing/named");
      });
    });

    describe("ranges", () => {
      const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
      const read = async (start: number, end?: number): Promise<Buffer> =>
        collect(
          await store.getStream("range/obj", {
            range: end === undefined ? { start } : { start, end },
          }),
        );
      beforeAll(async () => {
        await store.put("range/obj", data);
      });

      it("reads the start of an object", async () => {
        expect((await read(0, 9)).equals(data.subarray(0, 10))).toBe(true);
      });
      it("reads the middle of an object", async () => {
        expect((await read(400, 599)).equals(data.subarray(400, 600))).toBe(
          true,
        );
      });
      it("reads the end of an object with an open range", async () => {
        expect((await read(990)).equals(data.subarray(990))).toBe(true);
      });
      it("clips a range that ends past the end", async () => {
        expect((await read(995, 5000)).equals(data.subarray(995))).toBe(true);
      });
      it("reads a single byte", async () => {
        expect([...(await read(999, 999))]).toEqual([data[999]]);
      });
      it("rejects a range that starts past the end with E_INVALID_RANGE", async () => {
        await expectCode(
          store.getStream("range/obj", { range: { start: 1000 } }),
          StorageErrorCode.InvalidRange,
        );
      });
      it("rejects a malformed range before any I/O", async () => {
        await expectCode(
          store.getStream("range/obj", { range: { start: 10, end: 5 } }),
          StorageErrorCode.InvalidArgument,
        );
        await expectCode(
          store.getStream("range/obj", { range: { start: -1 } }),
          StorageErrorCode.InvalidArgument,
        );
      });
    });

    describe("listing", () => {
      beforeAll(async () => {
        const keys = [
          "ls/a/1",
          "ls/a/2",
          "ls/a-b",
          "ls/a/sub/3",
          "ls/b",
          "ls/B",
          "ls/é",
          "ls/z",
        ];
        await inParallel(keys, 8, (k) => store.put(k, k));
      });

      it("lists the keys under a prefix in ascending byte order", async () => {
        expect(await listKeys(store, "ls/")).toEqual([
          "ls/B",
          "ls/a-b",
          "ls/a/1",
          "ls/a/2",
          "ls/a/sub/3",
          "ls/b",
          "ls/z",
          "ls/é",
        ]);
      });
      it("lists a prefix that is not a whole segment", async () => {
        expect(await listKeys(store, "ls/a")).toEqual([
          "ls/a-b",
          "ls/a/1",
          "ls/a/2",
          "ls/a/sub/3",
        ]);
      });
      it("lists nothing for a prefix nothing has", async () => {
        expect(await listKeys(store, "ls/none/")).toEqual([]);
      });
      it("lists everything with an empty prefix", async () => {
        const all = await listKeys(store, "");
        expect(all).toEqual(
          expect.arrayContaining(["ls/a/1", "rt/binary.bin"]),
        );
        expect([...all].sort(byteOrder)).toEqual(all);
      });
      it("reports sizes in listings", async () => {
        const entries = [];
        for await (const e of store.list("ls/a/sub/")) entries.push(e);
        expect(entries).toEqual([
          expect.objectContaining({
            key: "ls/a/sub/3",
            size: "ls/a/sub/3".length,
          }),
        ]);
      });
      it("pages through small pages without losing or repeating a key", async () => {
        expect(await listKeys(store, "ls/", 3)).toEqual(
          await listKeys(store, "ls/"),
        );
      });
      it(`lists ${manyKeys} keys in order`, async () => {
        const keys = Array.from(
          { length: manyKeys },
          (_, i) => `many/${String(i).padStart(5, "0")}`,
        );
        await inParallel(keys, 16, (k) => store.put(k, ""));
        const listed = await listKeys(store, "many/");
        expect(listed.length).toBe(manyKeys);
        expect(listed).toEqual(keys);
      }, 300_000);
    });

    describe("copy", () => {
      it("copies content, content type and metadata", async () => {
        await store.put("cp/src", "copy me", {
          contentType: "text/plain",
          metadata: { tag: "x" },
        });
        await store.copy("cp/src", "cp/dst/copy");
        expect((await store.get("cp/dst/copy")).toString()).toBe("copy me");
        const info = await store.head("cp/dst/copy");
        expect(info.contentType).toBe("text/plain");
        expect(info.metadata).toEqual({ tag: "x" });
        expect((await store.get("cp/src")).toString()).toBe("copy me");
      });
      it("rejects copying a missing object with E_NOT_FOUND", async () => {
        await expectCode(
          store.copy("cp/none", "cp/other"),
          StorageErrorCode.NotFound,
        );
        expect(await store.exists("cp/other")).toBe(false);
      });
    });

    describe("bad keys", () => {
      const bad = [
        "",
        "/abs",
        "../up",
        "a/../b",
        "a/./b",
        "a//b",
        "trailing/",
        "nul\u0000",
        "ctl\u0007x",
        "bs\\x",
        "x".repeat(1025),
        "é".repeat(513),
      ];
      it.each(bad.map((k) => [JSON.stringify(k).slice(0, 40), k]))(
        "rejects the key %s with E_INVALID_KEY before any I/O",
        async (_label, key) => {
          await expectCode(store.put(key, "x"), StorageErrorCode.InvalidKey);
          await expectCode(store.get(key), StorageErrorCode.InvalidKey);
          await expectCode(store.getStream(key), StorageErrorCode.InvalidKey);
          await expectCode(store.head(key), StorageErrorCode.InvalidKey);
          await expectCode(store.exists(key), StorageErrorCode.InvalidKey);
          await expectCode(store.delete(key), StorageErrorCode.InvalidKey);
          await expectCode(
            store.copy("rt/empty", key),
            StorageErrorCode.InvalidKey,
          );
        },
      );
      it("accepts a key of exactly 1024 bytes", async () => {
        // 1024 bytes in segments of 100 (a file system allows 255 bytes per name)
        const key =
          Array.from({ length: 10 }, (_, i) => String(i).repeat(100)).join(
            "/",
          ) +
          "/" +
          "y".repeat(14);
        expect(Buffer.byteLength(key)).toBe(1024);
        await store.put(key, "long");
        expect((await store.get(key)).toString()).toBe("long");
      });
      it("rejects metadata that cannot travel as headers", async () => {
        await expectCode(
          store.put("bad/meta", "x", { metadata: { "Bad Name": "v" } }),
          StorageErrorCode.InvalidArgument,
        );
        await expectCode(
          store.put("bad/meta", "x", { metadata: { ok: "é" } }),
          StorageErrorCode.InvalidArgument,
        );
        expect(await store.exists("bad/meta")).toBe(false);
      });
    });

    describe("failed uploads store nothing", () => {
      it("rejects when the source stream fails midway, leaving no object", async () => {
        await expect(
          store.put(
            "fail/source",
            patternStream(8 * MiB, { failAfter: 3 * MiB }),
          ),
        ).rejects.toMatchObject({ name: "StorageError" });
        expect(await store.exists("fail/source")).toBe(false);
      });
      it("keeps the previous object when its replacement fails", async () => {
        await store.put("fail/keep", "old content");
        await expect(
          store.put(
            "fail/keep",
            patternStream(6 * MiB, { failAfter: 2 * MiB }),
          ),
        ).rejects.toMatchObject({ name: "StorageError" });
        expect((await store.get("fail/keep")).toString()).toBe("old content");
      });
      it("rejects an aborted upload with E_ABORTED, leaving no object", async () => {
        const controller = new AbortController();
        const body = patternStream(64 * MiB, {
          chunkSize: 256 * 1024,
          onChunk: () => undefined,
        });
        let sent = 0;
        body.on("data", (c: Buffer) => {
          sent += c.length;
          if (sent >= 2 * MiB) controller.abort();
        });
        await expectCode(
          store.put("fail/aborted", body, { signal: controller.signal }),
          StorageErrorCode.Aborted,
        );
        expect(await store.exists("fail/aborted")).toBe(false);
      });
      it("rejects an upload under an already aborted signal", async () => {
        await expectCode(
          store.put("fail/pre-aborted", "x", { signal: AbortSignal.abort() }),
          StorageErrorCode.Aborted,
        );
        expect(await store.exists("fail/pre-aborted")).toBe(false);
      });
      it("rejects a truncated upload (shorter than its size) with E_INTEGRITY", async () => {
        await expectCode(
          store.put("fail/truncated", patternStream(1000), { size: 2000 }),
          StorageErrorCode.Integrity,
        );
        expect(await store.exists("fail/truncated")).toBe(false);
      });
      it("rejects a body longer than its size with E_INTEGRITY", async () => {
        await expectCode(
          store.put("fail/long", patternStream(3000), { size: 2000 }),
          StorageErrorCode.Integrity,
        );
        await expectCode(
          store.put("fail/long", Buffer.alloc(3), { size: 2 }),
          StorageErrorCode.Integrity,
        );
        expect(await store.exists("fail/long")).toBe(false);
      });
      it("rejects a body over maxSize with E_TOO_LARGE", async () => {
        await expectCode(
          store.put("fail/big", patternStream(2 * MiB), { maxSize: MiB }),
          StorageErrorCode.TooLarge,
        );
        await expectCode(
          store.put("fail/big", Buffer.alloc(11), { maxSize: 10 }),
          StorageErrorCode.TooLarge,
        );
        expect(await store.exists("fail/big")).toBe(false);
      });
      it("accepts a stream of exactly its announced size", async () => {
        await store.put("fail/exact", patternStream(5000), { size: 5000 });
        expect((await store.head("fail/exact")).size).toBe(5000);
      });
    });

    describe("large objects", () => {
      it(`streams ${Math.round(large / MiB)} MiB in and out with flat memory`, async () => {
        const hashIn = createHash("sha256");
        const put = await sampleRss(() =>
          store.put(
            "large/object",
            patternStream(large, {
              seed: 42,
              onChunk: (c) => hashIn.update(c),
            }),
          ),
        );
        expect(put.result.size).toBe(large);
        const get = await sampleRss(async () =>
          sha256Hex(await store.getStream("large/object")),
        );
        expect(get.result).toBe(hashIn.digest("hex"));
        if (!options.inMemory) {
          // What the store holds: a few parts or chunks, never the object.
          expect(put.buffers).toBeLessThan(64 * MiB);
          expect(get.buffers).toBeLessThan(64 * MiB);
          // The process as the system sees it, with room for the allocator's retention;
          // an object held whole would still be far above it.
          expect(put.growth).toBeLessThan(128 * MiB);
          expect(get.growth).toBeLessThan(128 * MiB);
        }
        await store.delete("large/object");
      }, 600_000);
    });

    if (options.signedUrls) {
      it("serves a signed GET URL to a client without credentials", async () => {
        expect(typeof store.signedUrl).toBe("function");
        await store.put("signed/get", "signed content", {
          contentType: "text/plain",
        });
        const url = await store.signedUrl!("signed/get", { expiresIn: 60 });
        const response = await fetch(url);
        expect(response.status).toBe(200);
        expect(await response.text()).toBe("signed content");
      });
    }
  });
}
