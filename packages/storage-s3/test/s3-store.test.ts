import {
  HeadBucketCommand,
  HeadObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { isStorageError, type ObjectStore } from "@cloud-platform/storage-core";
import { uniqueName } from "@cloud-platform/test-services";
import { Readable } from "node:stream";
import { createS3Store } from "../src/index.js";
import {
  createTestBucket,
  digestStream,
  dropBucket,
  generatedStream,
  openUploads,
  rawClient,
  testClientConfig,
} from "./helpers.js";

const MiB = 1024 * 1024;

describe("createS3Store against the local S3 API", () => {
  let raw: S3Client;
  let bucket: string;
  let store: ObjectStore;
  const extraBuckets: string[] = [];

  beforeAll(async () => {
    raw = rawClient();
    bucket = await createTestBucket(raw);
    store = createS3Store({
      bucket,
      clientConfig: testClientConfig(),
      multipart: { partSize: 5 * MiB, queueSize: 2 },
    });
  });

  afterAll(async () => {
    await store.close?.();
    for (const b of [bucket, ...extraBuckets]) await dropBucket(raw, b);
    raw.destroy();
  });

  it("reports kind s3 and the bucket as its container", () => {
    expect(store.kind).toBe("s3");
    expect(store.container).toBe(bucket);
  });

  it("tells a bulk writer what a streamed put buffers: nothing in one request, the parts of a multipart upload", () => {
    const small = createS3Store({
      bucket,
      clientConfig: testClientConfig(),
      multipart: {
        singleRequestMax: 50 * MiB,
        partSize: 6 * MiB,
        queueSize: 3,
      },
    });
    expect(small.bufferedBytes?.(50 * MiB)).toBe(0);
    // 3 parts in flight, one being filled, one being read.
    expect(small.bufferedBytes?.(50 * MiB + 1)).toBe(5 * 6 * MiB);
    // S3's 10,000 parts hold 100 GiB only with larger parts.
    expect(small.bufferedBytes?.(100 * 1024 * MiB)).toBe(
      5 * Math.ceil((100 * 1024 * MiB) / 10_000),
    );
    // This suite's store: the default 200 MiB cutoff, 5 MiB parts, 2 in flight.
    expect(store.bufferedBytes?.(200 * MiB)).toBe(0);
    expect(store.bufferedBytes?.(300 * MiB)).toBe(4 * 5 * MiB);
  });

  it("round-trips a buffer with its content type and metadata", async () => {
    const put = await store.put("a/b.txt", "hello", {
      contentType: "text/plain",
      metadata: { origin: "test" },
    });
    expect(put).toMatchObject({ key: "a/b.txt", size: 5 });
    expect((await store.get("a/b.txt")).toString()).toBe("hello");
    expect(await store.head("a/b.txt")).toMatchObject({
      size: 5,
      contentType: "text/plain",
      metadata: { origin: "test" },
      etag: put.etag,
    });
  });

  it("maps a missing key to E_NOT_FOUND naming the bucket and key", async () => {
    const error = await store.get("missing/key").catch((e: unknown) => e);
    expect(isStorageError(error, "E_NOT_FOUND")).toBe(true);
    expect((error as Error).message).toContain(`s3://${bucket}/missing/key`);
    await expect(store.head("missing/key")).rejects.toMatchObject({
      code: "E_NOT_FOUND",
    });
    await expect(store.exists("missing/key")).resolves.toBe(false);
  });

  it("reads a byte range and clips an end past the size", async () => {
    await store.put("range.bin", Buffer.from("0123456789"));
    const read = async (start: number, end?: number): Promise<string> => {
      const chunks: Buffer[] = [];
      for await (const c of await store.getStream("range.bin", {
        range: end === undefined ? { start } : { start, end },
      }))
        chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString();
    };
    expect(await read(2, 4)).toBe("234");
    expect(await read(7)).toBe("789");
    expect(await read(8, 100)).toBe("89");
    await expect(
      store.getStream("range.bin", { range: { start: 10 } }),
    ).rejects.toMatchObject({ code: "E_INVALID_RANGE" });
  });

  it("reads a range of an empty object as empty", async () => {
    await store.put("empty", Buffer.alloc(0));
    const chunks: Buffer[] = [];
    for await (const c of await store.getStream("empty", {
      range: { start: 0 },
    }))
      chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).length).toBe(0);
  });

  it("lists keys under a store prefix without showing the prefix", async () => {
    const prefixed = createS3Store({
      bucket,
      clientConfig: testClientConfig(),
      prefix: "tenant-1/",
    });
    await prefixed.put("x/1", "a");
    await prefixed.put("x/2", "b");
    await prefixed.put("y/1", "c");
    const keys: string[] = [];
    for await (const e of prefixed.list("x/", { pageSize: 1 }))
      keys.push(e.key);
    expect(keys).toEqual(["x/1", "x/2"]);
    expect(
      (
        await raw.send(
          new HeadObjectCommand({ Bucket: bucket, Key: "tenant-1/y/1" }),
        )
      ).ContentLength,
    ).toBe(1);
    await prefixed.close?.();
  });

  it("copies server-side, keys with spaces and unicode included", async () => {
    await store.put("src/é x.txt", "copied", { contentType: "text/plain" });
    await store.copy("src/é x.txt", "dst/ü y.txt");
    expect((await store.get("dst/ü y.txt")).toString()).toBe("copied");
    await expect(store.copy("src/none", "dst/none")).rejects.toMatchObject({
      code: "E_NOT_FOUND",
    });
  });

  it("deletes many keys in batches of deleteBatchSize and ignores missing ones", async () => {
    const client = rawClient();
    let calls = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "DeleteObjectsCommand") calls++;
        return next(args);
      },
      { step: "initialize", name: "countDeleteObjects" },
    );
    const batched = createS3Store({ bucket, client, deleteBatchSize: 10 });
    const keys = Array.from(
      { length: 25 },
      (_, i) => `many/${String(i).padStart(2, "0")}`,
    );
    await Promise.all(keys.map((k) => batched.put(k, "x")));
    await batched.deleteMany?.([...keys, "many/not-there"]);
    const left: string[] = [];
    for await (const e of batched.list("many/")) left.push(e.key);
    expect(left).toEqual([]);
    expect(calls).toBe(3);
    client.destroy();
  });

  it("needs its Content-MD5 switch for DeleteObjects on Swift", async () => {
    const strict = createS3Store({
      bucket,
      clientConfig: testClientConfig(),
      compat: { deleteObjectsContentMd5: false },
    });
    await strict.put("md5/a", "x");
    await expect(strict.deleteMany?.(["md5/a"])).rejects.toMatchObject({
      code: "E_INVALID_ARGUMENT",
      message: expect.stringContaining("Content-MD5") as unknown,
    });
    await strict.close?.();
  });

  it("deletes idempotently", async () => {
    await store.put("gone", "x");
    await store.delete("gone");
    await store.delete("gone");
    expect(await store.exists("gone")).toBe(false);
  });

  it("streams a multipart upload of unknown length", async () => {
    const body = generatedStream(12 * MiB, 7);
    const put = await store.put("big/stream.bin", body);
    expect(put.size).toBe(12 * MiB);
    expect(put.etag).toMatch(/-3$/);
    expect((await store.head("big/stream.bin")).size).toBe(12 * MiB);
  });

  it("sends a stream of announced size up to singleRequestMax as one PutObject", async () => {
    const body = generatedStream(12 * MiB, 5);
    const put = await store.put("big/one.bin", body, { size: 12 * MiB });
    expect(put.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(await digestStream(await store.getStream("big/one.bin"))).toEqual({
      sha256: body.digest(),
      size: 12 * MiB,
    });
  });

  it("refuses a streamed PutObject whose bytes do not match its MD5, storing nothing", async () => {
    const error = await store
      .put("big/one-bad.bin", generatedStream(12 * MiB, 5), {
        size: 12 * MiB,
        md5: "0".repeat(32),
      })
      .catch((e: unknown) => e);
    expect(isStorageError(error, "E_INTEGRITY")).toBe(true);
    expect(await store.exists("big/one-bad.bin")).toBe(false);
  });

  it("stores bodies at the part boundary byte for byte", async () => {
    const exact = generatedStream(5 * MiB, 11);
    await store.put("big/exact.bin", exact);
    expect(await digestStream(await store.getStream("big/exact.bin"))).toEqual({
      sha256: exact.digest(),
      size: 5 * MiB,
    });
    const plusOne = Buffer.alloc(5 * MiB + 1, 9);
    const put = await store.put("big/plus-one.bin", plusOne);
    expect(put.etag).toMatch(/-2$/);
    expect((await store.get("big/plus-one.bin")).equals(plusOne)).toBe(true);
  });

  it("stores nothing and leaves no multipart upload when the body breaks its size", async () => {
    const error = await store
      .put("big/short.bin", generatedStream(11 * MiB), { size: 12 * MiB })
      .catch((e: unknown) => e);
    expect(isStorageError(error, "E_INTEGRITY")).toBe(true);
    expect(await store.exists("big/short.bin")).toBe(false);
    expect(await openUploads(raw, bucket)).toEqual([]);
  });

  it("stores nothing and leaves no multipart upload when the upload is aborted", async () => {
    const controller = new AbortController();
    const source = generatedStream(64 * MiB, 3);
    let seen = 0;
    source.on("data", (c: Buffer) => {
      seen += c.length;
      if (seen > 12 * MiB) controller.abort();
    });
    source.pause();
    const error = await store
      .put("big/aborted.bin", source, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(isStorageError(error, "E_ABORTED")).toBe(true);
    expect(await store.exists("big/aborted.bin")).toBe(false);
    expect(await openUploads(raw, bucket)).toEqual([]);
  });

  it("aborts a large buffer upload through its signal", async () => {
    const controller = new AbortController();
    const pending = store.put("big/buffer.bin", Buffer.alloc(20 * MiB, 1), {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: "E_ABORTED" });
    expect(await store.exists("big/buffer.bin")).toBe(false);
    expect(await openUploads(raw, bucket)).toEqual([]);
  });

  it("gives E_PERMISSION for a wrong secret without showing it", async () => {
    const secret = "wrong-secret-value-123";
    const bad = createS3Store({
      bucket,
      clientConfig: {
        ...testClientConfig(),
        credentials: { accessKeyId: "test:tester", secretAccessKey: secret },
      },
    });
    const error = await bad.get("a/b.txt").catch((e: unknown) => e);
    expect(isStorageError(error, "E_PERMISSION")).toBe(true);
    expect(
      JSON.stringify({
        message: (error as Error).message,
        stack: (error as Error).stack,
      }),
    ).not.toContain(secret);
    await bad.close?.();
  });

  it("creates its bucket on the first write when allowed", async () => {
    const fresh = uniqueName("cp-s3-new");
    extraBuckets.push(fresh);
    const creating = createS3Store({
      bucket: fresh,
      clientConfig: testClientConfig(),
      createBucket: true,
    });
    await creating.put("first", "x");
    expect((await creating.get("first")).toString()).toBe("x");
    await creating.close?.();
  });

  it("never creates a bucket on a read", async () => {
    const fresh = uniqueName("cp-s3-read");
    extraBuckets.push(fresh);
    const reading = createS3Store({
      bucket: fresh,
      clientConfig: testClientConfig(),
      createBucket: true,
    });
    await expect(reading.get("k")).rejects.toMatchObject({
      code: "E_NOT_FOUND",
    });
    await expect(reading.exists("k")).resolves.toBe(false);
    await expect(
      raw.send(new HeadBucketCommand({ Bucket: fresh })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    await reading.close?.();
  });

  it("refuses writes to a missing bucket when creation is off", async () => {
    const plain = createS3Store({
      bucket: uniqueName("cp-s3-none"),
      clientConfig: testClientConfig(),
    });
    await expect(plain.put("k", "x")).rejects.toMatchObject({
      code: "E_NOT_FOUND",
    });
    await plain.close?.();
  });

  it("does not close an injected client", async () => {
    const injected = createS3Store({ bucket, client: raw });
    await injected.put("injected", Readable.from([Buffer.from("ok")]));
    await injected.close?.();
    expect(
      (
        await raw.send(
          new HeadObjectCommand({ Bucket: bucket, Key: "injected" }),
        )
      ).ContentLength,
    ).toBe(2);
  });
});
